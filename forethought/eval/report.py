"""``forethought report``: ``report.html`` (static, plots inline), ``report.md``,
``episodes.csv`` and ``plots/*.svg`` from an evaluation folder, with each episode's trace
page rendered and linked.

Both reports give, per agent, overall figures, the same by task level (when the tasks
have levels) and each failed episode's reason (its error, or the verifier's reason)."""

from __future__ import annotations

import base64
import csv
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from forethought.agents.trace import HTML as TRACE_HTML
from forethought.agents.trace import is_trace_dir, read_trace
from forethought.agents.trace_html import html_environment, render_trace_html
from forethought.eval import plots, stats
from forethought.eval.store import COLUMNS, EpisodeRow, ResultsStore

PLOTS = "plots"


@dataclass
class RunData:
    """One evaluation folder's rows (agents in the order the run listed them: the first
    is the baseline of paired comparisons), task facts and configuration."""

    dir: Path
    rows: list[EpisodeRow]
    traps: set[tuple[str, int]]
    goals: dict[str, str]
    config: dict[str, Any]

    @classmethod
    def load(cls, out_dir: str | Path) -> RunData:
        with ResultsStore.open_existing(out_dir) as store:
            info = store.task_info()
            config = store.stored_config() or {}
            order = {a: i for i, a in enumerate(config.get("agents", []))}
            rows = sorted(store.rows(), key=lambda r: order.get(r.agent, len(order)))
            return cls(
                dir=Path(out_dir),
                rows=[_with_finished_steps(Path(out_dir), row) for row in rows],
                traps={k for k, v in info.items() if v["trap"]},
                goals={task: v["goal"] for (task, _), v in info.items()},
                config=config,
            )

    def relabel(self, suffix: str) -> None:
        """Names each agent ``agent [suffix]`` (to tell two runs apart)."""
        self.rows = [r.model_copy(update={"agent": f"{r.agent} [{suffix}]"}) for r in self.rows]


@dataclass
class ReportFiles:
    html: Path
    markdown: Path
    csv: Path
    plots: dict[str, Path] = field(default_factory=dict)


def _with_finished_steps(out_dir: Path, row: EpisodeRow) -> EpisodeRow:
    """A failed episode's row counted from its trace's finished steps (rows written
    before the runner counted them show 0 steps and tokens; the counts are the same)."""
    if row.error is None or not row.trace_path or not is_trace_dir(out_dir / row.trace_path):
        return row
    return row.counting(read_trace(out_dir / row.trace_path).steps)


def _trace_href(report_dir: Path, run: RunData, row: EpisodeRow) -> str | None:
    """Renders the episode's trace page when missing or stale; its path from the report."""
    if not row.trace_path:
        return None
    folder = run.dir / row.trace_path
    if not is_trace_dir(folder):
        return None
    page = folder / TRACE_HTML
    newest = max((p.stat().st_mtime for p in folder.iterdir() if p.name != TRACE_HTML), default=0)
    if not page.exists() or page.stat().st_mtime < newest:
        render_trace_html(folder)
    return os.path.relpath(page, report_dir)


#: Characters of a failure reason a report shows.
REASON_CHARS = 200


def failure_reason(row: EpisodeRow) -> str:
    """Why an episode failed, in one line: its error, else the verifier's reason (with
    "timed out" when it was judged after its timeout)."""
    text = (row.error or row.verdict_detail or "").strip()
    line = text.splitlines()[0] if text else "no reason recorded"
    if len(line) > REASON_CHARS:
        line = line[: REASON_CHARS - 1] + "…"
    return f"{line} (timed out)" if row.timed_out and row.error is None else line


def _md_cell(text: str) -> str:
    """Text that stays inside one Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _format_interval(interval: stats.Interval, percent: bool = True) -> str:
    """``45% [30–60%]`` (or signed points for a difference: ``+12 [-3, +25] pts``)."""
    if percent:
        return f"{interval.mean:.0%} [{interval.low:.0%}–{interval.high:.0%}]"
    m, lo, hi = (100 * v for v in (interval.mean, interval.low, interval.high))
    return f"{m:+.0f} [{lo:+.0f}, {hi:+.0f}] pts"


def _data_uri(svg: str) -> Markup:
    return Markup("data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode())


def _write_csv(path: Path, runs: list[RunData]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["run", *COLUMNS])
        for run in runs:
            for row in run.rows:
                values = row.model_dump()
                values["gate_events"] = json.dumps(values["gate_events"])
                writer.writerow([run.dir.name, *(values[c] for c in COLUMNS)])


def build_report(out_dir: str | Path, compare: str | Path | None = None) -> ReportFiles:
    """Writes the report files into ``out_dir``; ``compare`` adds a second run's agents
    (both runs' agents are then suffixed with their folder names)."""
    main = RunData.load(out_dir)
    runs = [main]
    if compare is not None:
        other = RunData.load(compare)
        names = (main.dir.resolve().name, other.dir.resolve().name)
        if names[0] == names[1]:
            names = (str(main.dir), str(other.dir))
        main.relabel(names[0])
        other.relabel(names[1])
        runs.append(other)
    report_dir = main.dir
    rows = [r for run in runs for r in run.rows]
    if not rows:
        raise ValueError(f"no finished episodes in {out_dir} yet; nothing to report")
    traps = {k for run in runs for k in run.traps}
    summaries = stats.summarize(rows, traps)
    levels = stats.by_level(rows, traps)
    pairs = stats.all_pairs(rows)
    tasks, agents, grid = stats.success_matrix(rows)

    svgs = {
        "success_rate": plots.success_rate(summaries),
        "success_by_task": plots.success_heatmap(tasks, agents, grid),
        "cost_vs_success": plots.cost_vs_success(summaries),
        "trap_rate": plots.trap_rate(summaries),
        "fidelity": plots.fidelity(summaries),
    }
    plot_dir = report_dir / PLOTS
    plot_dir.mkdir(exist_ok=True)
    files = ReportFiles(
        html=report_dir / "report.html",
        markdown=report_dir / "report.md",
        csv=report_dir / "episodes.csv",
    )
    for name, svg in svgs.items():
        files.plots[name] = plot_dir / f"{name}.svg"
        files.plots[name].write_text(svg, encoding="utf-8")

    episodes = [
        {
            "row": r,
            "run": run.dir.name,
            "href": _trace_href(report_dir, run, r),
            "reason": None if r.success else failure_reason(r),
        }
        for run in runs
        for r in run.rows
    ]
    context = {
        "title": f"Evaluation · {main.dir.resolve().name}",
        "runs": runs,
        "config": main.config,
        "summaries": summaries,
        "levels": levels,
        "level_traps": any(s.trap_episodes for s in levels),
        "failures": [e for e in episodes if not e["row"].success],
        "pairs": pairs,
        "tasks": tasks,
        "agents": agents,
        "grid": grid.tolist(),
        "goals": {t: g for run in runs for t, g in run.goals.items()},
        "episodes": episodes,
        "plots": {name: _data_uri(svg) for name, svg in svgs.items()},
        "plot_files": {name: f"{PLOTS}/{p.name}" for name, p in files.plots.items()},
        "total_seconds": sum(r.seconds for r in rows),
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    for path, html in ((files.html, True), (files.markdown, False)):
        env = html_environment("forethought.eval", html=html)
        env.filters["ci"] = _format_interval
        env.filters["cell"] = _md_cell
        template = env.get_template(f"{path.name}.j2")
        path.write_text(template.render(context), encoding="utf-8")
    _write_csv(files.csv, runs)
    return files
