"""Streamable HTTP as a team deploys it, over real HTTP on 127.0.0.1.

The servers run as ``truto-log-mcp serve --transport http`` subprocesses (the real CLI, flags and
environment). Their upstream is the sandbox served over real HTTP in a thread, behind a small
"Truto that knows two users" which accepts Alice's and Bob's tokens and records whose token each
upstream request carried: that is how the tests see that multi-user mode reads logs with each
client's own token, and that one user's cursor handles and refs never serve another.

``deployment`` starts and speaks to them; ``conftest`` starts them once for the whole folder.
"""
