"""'Did you mean ...?' hints for names the model got almost right."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

_LONGEST_WORD = 200
"""Longer words are close to no name here; comparing them would only cost time (difflib indexes every character)."""


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """A sentence suggesting the closest option, or '' when nothing is close."""
    if len(word) > _LONGEST_WORD:
        return ""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" Did you mean `{close[0]}`?" if close else ""


def listing(options: Iterable[str]) -> str:
    return ", ".join(f"`{option}`" for option in options)
