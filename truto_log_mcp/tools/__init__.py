"""The use cases: one module per tool, named as the tool.

Each takes a ``context.Call`` (services, caller, session, progress) and the tool's arguments as
given; checks them (``query``) before any upstream call; reads rows (``upstream``), folds them
into a pure analysis (``analysis``) where the tool analyses; and returns an ``context.Answer``:
compact text for the model and a structured model for programs. Every answer states its coverage.

Nothing is imported here: the server imports the analysis tools' modules on first use, which
keeps the stdio handshake fast.
"""
