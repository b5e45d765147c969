from truto_log_mcp.cli import main

raise SystemExit(main())
