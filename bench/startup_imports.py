"""Where a slow start's time goes (``bench.startup`` prints it when its target is missed): ``python -X
importtime`` of both servers, the imports only ours pays for (grouped under the ``truto_log_mcp``
module that pulls them in), and the cost of building the server after its imports."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bench.common import middle, table
from bench.startup import BUILD_PROBE, INITIALIZE, Candidate


@dataclass(frozen=True, slots=True)
class ImportEntry:
    name: str
    self_us: int
    cumulative_us: int
    parent: str | None


def import_profile(candidate: Candidate, cwd: Path, repeats: int) -> dict[str, ImportEntry]:
    """``import_times`` over ``repeats`` runs, each module's times the median of the runs."""
    profiles = [import_times(candidate, cwd) for _ in range(repeats)]
    merged = {}
    for name, entry in profiles[0].items():
        runs = [profile[name] for profile in profiles if name in profile]
        merged[name] = ImportEntry(
            name,
            round(middle([run.self_us for run in runs])),
            round(middle([run.cumulative_us for run in runs])),
            entry.parent,
        )
    return merged


def import_times(candidate: Candidate, cwd: Path) -> dict[str, ImportEntry]:
    """Every module the candidate imports up to its ``initialize`` answer, from ``-X importtime``."""
    command = [candidate.command[0], "-X", "importtime", *candidate.command[1:]]
    done = subprocess.run(command, input=INITIALIZE, capture_output=True, env=candidate.env, cwd=cwd, timeout=60)
    raw: list[tuple[str, int, int, int]] = []
    for line in done.stderr.decode(errors="replace").splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_text, cumulative_text, tree = line.removeprefix("import time:").split("|", 2)
        module = tree.lstrip(" ")
        depth = (len(tree) - len(module) - 1) // 2
        raw.append((module.strip(), int(self_text), int(cumulative_text), depth))
    # The output is post-order (children first): reversed, a module's parent is the nearest earlier
    # entry one level up.
    entries: dict[str, ImportEntry] = {}
    stack: list[tuple[int, str]] = []
    for name, self_us, cumulative_us, depth in reversed(raw):
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parent = stack[-1][1] if stack else None
        entries.setdefault(name, ImportEntry(name, self_us, cumulative_us, parent))
        stack.append((depth, name))
    return entries


RUN_TIME = "(none of ours above it: `-m` start-up, or imported lazily at run time)"


def ours_owner(entries: dict[str, ImportEntry], name: str) -> str:
    """The nearest ``truto_log_mcp`` module above ``name`` in the import tree."""
    parent = entries[name].parent
    while parent is not None:
        if parent.startswith("truto_log_mcp"):
            return parent
        parent = entries[parent].parent
    return RUN_TIME


def subtree_cost_us(entries: dict[str, ImportEntry], extra: set[str]) -> dict[str, int]:
    """For each module, the self time of it and of every module below it that only our server imports."""
    cost = {name: entry.self_us if name in extra else 0 for name, entry in entries.items()}
    totals = dict(cost)
    for name in entries:
        parent = entries[name].parent
        seen: set[str] = set()
        while parent is not None and parent not in seen:
            seen.add(parent)
            totals[parent] += cost[name]
            parent = entries[parent].parent
    return totals


def build_costs(cwd: Path, env: dict[str, str], repeats: int) -> dict[str, float]:
    """Seconds of each step of ``serve`` before ``run()``, each the median of ``repeats`` runs."""
    runs: list[dict[str, float]] = []
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, "-c", BUILD_PROBE], capture_output=True, env=env, cwd=cwd, timeout=60, check=True
        )
        runs.append(json.loads(done.stdout))
    return {step: middle([run[step] for run in runs]) for step in runs[0]}


def explain(ours: Candidate, minimal: Candidate, cwd: Path, repeats: int) -> list[str]:
    our_imports = import_profile(ours, cwd, repeats)
    floor = import_profile(minimal, cwd, repeats)
    extra = {name for name in our_imports if name not in floor}
    cost = subtree_cost_us(our_imports, extra)
    extra_ms = sum(our_imports[name].self_us for name in extra) / 1000
    own = sorted((name for name in extra if name.startswith("truto_log_mcp")), key=lambda n: -our_imports[n].self_us)
    # Third-party subtrees only we import: extra modules whose parent is ours or not extra.
    roots = [
        name
        for name in extra
        if not name.startswith("truto_log_mcp")
        and ((parent := our_imports[name].parent) is None or parent not in extra or parent.startswith("truto_log_mcp"))
    ]
    by_owner: dict[str, list[str]] = defaultdict(list)
    for name in roots:
        by_owner[ours_owner(our_imports, name)].append(name)
    lines = [
        f"Why (`python -X importtime`, median of {repeats} runs): our server imports {len(extra)} modules "
        f"the minimal server does not, {extra_ms:.0f} ms of import time in all (self times summed).",
        "",
    ]
    rows = []
    for owner, names in sorted(by_owner.items(), key=lambda item: -sum(cost[n] for n in item[1])):
        names.sort(key=lambda n: -cost[n])
        listed = ", ".join(f"`{name}` {cost[name] / 1000:.0f}" for name in names[:6])
        total = sum(cost[name] for name in names) / 1000
        owner_cell = owner if owner == RUN_TIME else f"`{owner}`"
        rows.append([owner_cell, f"{total:.0f}", listed + (", ..." if len(names) > 6 else "")])
    lines += table(
        ["imported by", "ms", "third-party modules only our server imports (ms, with their imports)"], rows, "lrl"
    )
    lines += [
        "",
        f"Our own modules, {sum(our_imports[n].self_us for n in own) / 1000:.0f} ms (self ms, imported by): "
        + ", ".join(
            f"`{name}` {our_imports[name].self_us / 1000:.1f} (by `{our_imports[name].parent or '__main__'}`)"
            for name in own[:12]
        )
        + (", ..." if len(own) > 12 else "")
        + ".",
    ]
    costs = build_costs(cwd, ours.env, repeats)
    lines.append(
        f"Steps of `serve` in process (median of {repeats} runs, ms): "
        + ", ".join(f"{k} {v * 1000:.0f}" for k, v in costs.items())
    )
    return lines


# --- the benchmark ------------------------------------------------------------------------------
