"""The engine of ``trace_sync_run``: one sync run's rows in, its story and the reason it failed out.

Why: a failed run's reason is not on its final row but spread over the ``rapid_bridge`` rows of the
run (``record_error``/``failed`` events and their ``logs``), the webhook deliveries it caused and the
cron trigger that started it (DOMAIN.md, "A failed sync run"). ``diagnose_run`` reads all three
and returns what a person would conclude: the outcome, the cause class with its next step, and
evidence that points at the rows it came from (so the tool layer can attach row refs).

Conventions:

* Rows may come in any order; they are sorted by timestamp (then by lifecycle order of events).
* ``records`` is the sum of ``num_records`` over ``record`` events (each reports one batch). When the
  run logged no ``record`` events, the ``num_records`` of its ``completed``/``failed`` row is used.
* With no ``run_rows`` the outcome is ``never_started`` when the job is known (``sync_job_id``
  argument or cron rows) and ``not_found`` otherwise; the caller decides how to word either.
* The timeline keeps at most ``TIMELINE_CAP`` entries: the first and the last, then every error,
  then lifecycle events and cron triggers, then record events, then successful webhook deliveries;
  a tier that does not fit is sampled evenly (its first and last kept). ``timeline_omitted`` says
  how many entries were left out.

Modules: ``results`` (what is concluded), ``facts`` (read from the rows), ``timeline``, ``diagnosis``
(per outcome, and ``diagnose_run``, the entry point). Nothing is imported here, so that the tools'
output models (which extend ``results.RunFacts``) load without the engine.
"""
