"""Count the episodes of an eval folder that end in a loop of one or two repeated actions.

Usage: python scripts/loop_endings.py results/NAME [more folders...]

An episode ends in a loop when its last executed actions repeat one action (A A) or two
(A B A B) on the same pages (URL and action alike), the way the issue that asked for
memory counted them. Also prints the share of steps that repeat an earlier (URL, action).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def steps_of(trace: Path) -> list[tuple[str, str]]:
    """``(url, action)`` of every executed step of a trace folder."""
    out = []
    path = trace / "steps.jsonl"
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        record = json.loads(line)
        if record.get("executed") and record.get("action"):
            out.append((record["url"], record["action"]))
    return out


def ends_in_loop(steps: list[tuple[str, str]]) -> bool:
    if len(steps) >= 2 and steps[-1] == steps[-2] and not steps[-1][1].startswith("stop("):
        return True
    return len(steps) >= 4 and steps[-4:-2] == steps[-2:]


def repeats(steps: list[tuple[str, str]]) -> int:
    seen: set[tuple[str, str]] = set()
    count = 0
    for step in steps:
        count += step in seen
        seen.add(step)
    return count


def main(folders: list[str]) -> None:
    for folder in folders:
        traces = sorted(p for p in (Path(folder) / "traces").iterdir() if p.is_dir())
        runs = [steps_of(t) for t in traces]
        looped = sum(ends_in_loop(s) for s in runs)
        total = sum(len(s) for s in runs)
        again = sum(repeats(s) for s in runs)
        share = f"{again / total:.0%}" if total else "-"
        print(
            f"{folder}: {looped} of {len(runs)} episodes end in a loop of 1-2 actions; "
            f"{again} of {total} steps repeat an earlier (URL, action) ({share})"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or ["results/builtin"])
