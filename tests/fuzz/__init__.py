"""Fuzzing the tools: every tool, through the SDK's in-memory ``Client``, with arbitrary JSON arguments.

The property, for every tool and any JSON arguments:

- the answer is a valid result (its structured content validates against the tool's listed
  ``outputSchema``) or an error whose text starts with a code the caller can act on
  (``harness.ALLOWED_ERROR_CODES``): never ``[internal_error]``, never an upstream error from a valid sandbox;
- a search's ``next_cursor`` continues it and its refs open with ``get_log`` (followed once);
- every request the sandbox received obeys the upstream's rules: the sandbox (strict) answered
  200, and ``oracle.upstream_rule_violations`` (the rules of DOMAIN.md, from the project's reference
  data rather than from ``rules.py``, so that a wrong rule table cannot hide a wrong request) finds nothing.

``strategies`` draws the arguments, ``oracle`` judges the upstream requests, ``harness`` runs one example.
Shared by ``test_fuzz.py`` (a few dozen examples per tool, in CI) and ``bench/fuzz_soak.py`` (10,000 and more).
"""
