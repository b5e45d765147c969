"""Pure analysis over log rows: error grouping (``errors``), cause classes (``causes``), sync-run diagnosis
(``syncrun``). No IO, no clock, no MCP: the tool layer fetches rows and renders what these modules return."""
