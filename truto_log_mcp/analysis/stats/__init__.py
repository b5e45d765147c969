"""Statistics of log rows for ``log_stats``: ``accumulator`` (streaming counts, rates and percentiles),
``results`` (what it returns; also the tool's output models) and ``comparison`` (two windows side by
side). Nothing is imported here, so that the output models load without the engine."""
