"""Pure analysis over log rows: cause classes (``causes``), error texts and templates (``templates``),
error grouping (``grouping``), sync-run diagnosis (``runs``), statistics (``stats``, ``sketch``).
No IO, no clock, no MCP: the tool layer fetches rows and renders what these modules return."""
