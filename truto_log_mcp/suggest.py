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
    candidates = list(options)
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    if not close and len(word) >= 3:
        # A part of a compound name ("proxy" for `unified_proxy_api`) is no close match by edit distance.
        lowered = word.lower()
        close = [option for option in candidates if lowered in option.lower().replace("-", "_").split("_")][:1]
    return f" Did you mean `{close[0]}`?" if close else ""


def listing(options: Iterable[str]) -> str:
    return ", ".join(f"`{option}`" for option in options)
