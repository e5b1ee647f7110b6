"""Renders a trace folder as ``trace.html``: one static page that loads nothing remote.

Everything is inline (CSS, the trees as SVG computed in Python); the only references are
relative paths to the folder's own screenshots.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from forethought.agents.result import StepRecord
from forethought.agents.state import StopReason
from forethought.agents.trace import HTML, Trace, read_trace
from forethought.agents.tree_svg import safe_text, tree_svg


def _finalize(value: object) -> object:
    """Every ``{{ … }}`` output: ``None`` prints nothing, text is escaped and link-safe."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    return safe_text(value)


def _finalize_text(value: object) -> object:
    return "" if value is None else value


def html_environment(*packages: str, html: bool = True) -> jinja2.Environment:
    """A jinja2 environment over the ``templates/`` folders of ``packages`` and this one
    (which holds the shared ``_style.css.j2``), with the filters our pages share.
    ``html=False`` is for Markdown and text: no escaping."""
    names = dict.fromkeys([*packages, __package__ or "forethought.agents"])
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.PackageLoader(p, "templates") for p in names]),
        autoescape=html,
        finalize=_finalize if html else _finalize_text,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda v, digits=2: (
        f"{v:.{digits}f}" if isinstance(v, int | float) and not isinstance(v, bool) else "–"
    )
    env.filters["pct"] = lambda v: f"{100 * v:.0f}%" if isinstance(v, int | float) else "–"
    env.filters["pretty"] = lambda v: json.dumps(v, indent=2, ensure_ascii=False, default=str)
    return env


def _step_view(trace: Trace, step: StepRecord) -> dict[str, Any]:
    tree = trace.trees.get(step.step)
    return {
        "record": step,
        "svg": tree_svg(tree, step.action) if tree else None,
        "tree_nodes": len(tree.get("nodes", [])) if tree else 0,
        "screenshot": trace.screenshots.get(step.step),
        "page_lines": step.page.count("\n") + 1 if step.page else 0,
    }


def render_trace_html(directory: str | Path) -> Path:
    """Writes ``trace.html`` into the trace folder ``directory``; returns its path."""
    trace = read_trace(directory)
    manifest = trace.manifest
    result = trace.result
    task = manifest.get("task")
    html = (
        html_environment()
        .get_template("trace.html.j2")
        .render(
            trace=trace,
            result=result,
            manifest=manifest,
            task=task if isinstance(task, dict) else {"id": task} if task else {},
            steps=[_step_view(trace, s) for s in trace.steps],
            cancelled=StopReason.CANCELLED.value,
            title=(result.task_id if result else None)
            or (task.get("id") if isinstance(task, dict) else task)
            or trace.dir.name,
        )
    )
    out = trace.dir / HTML
    out.write_text(html, encoding="utf-8")
    return out
