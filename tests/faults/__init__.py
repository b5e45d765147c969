"""The fault matrix at the tool level: every tool call through the SDK's in-memory Client while the
upstream rate-limits, fails, hangs, refuses connections or answers garbage.

For each fault: the call answers a clear error (the stable ``[code]`` and the next step) or a
correct result, never crashes or hangs, and the NEXT call on the same client is answered
correctly. Analysis scans that lose part of their window answer PARTIAL and name the part.

The sandbox's fault queue injects the faults (``Fault(hang_s=0)`` lets a request through, so a
fault can hit a later request: with one worker, a scan's first request is the window's newest page);
``httpx2.MockTransport`` scripts only what the sandbox cannot produce (a cursor that repeats,
empty pages that carry a cursor), and a closed port on 127.0.0.1 refuses connections for real.
Timings are small (``matrix.FAST``) so that the whole folder runs in seconds.
"""
