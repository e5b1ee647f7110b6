"""Renders a trace folder as ``trace.html``: one static page that loads nothing remote.

Everything is inline (CSS, the trees as SVG computed in Python); the only references are
relative paths to the folder's own screenshots.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from forethought.agents.calls import prompt_messages
from forethought.agents.recording import action_target
from forethought.agents.result import CallRecord, StepRecord
from forethought.agents.state import StopReason
from forethought.agents.trace import HTML, Trace, read_trace
from forethought.agents.tree_svg import safe_text, tree_svg
from forethought.envs.types import Element


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


def element_label(element: Element) -> str:
    """``textbox 'Email address'``: an element as the page names it, without its id."""
    bare = Element(id=element.id, role=element.role, name=element.name)
    return bare.line().removeprefix(f"[{element.id}] ")


def namer(steps: list[StepRecord]) -> Callable[[str | None, int], str | None]:
    """``named(action, step)``: the label of the element ``action`` targets on that
    step's page (from the elements each step record keeps), or ``None``."""
    labels: dict[int, dict[str, str]] = {}
    for record in steps:
        labels.setdefault(record.step, {}).update({e.id: element_label(e) for e in record.elements})

    def named(action: str | None, step: int) -> str | None:
        target = action_target(action) if action else None
        return labels.get(step, {}).get(target) if target is not None else None

    return named


def _call_view(trace: Trace, call: CallRecord) -> dict[str, Any]:
    messages = prompt_messages(call, trace.prompt_blocks)
    return {
        "record": call,
        "prompt": "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in messages),
    }


def _step_view(trace: Trace, step: StepRecord, calls: dict[int, CallRecord]) -> dict[str, Any]:
    tree = trace.trees.get(step.step)
    return {
        "record": step,
        "svg": tree_svg(tree, step.action) if tree else None,
        "tree_nodes": len(tree.get("nodes", [])) if tree else 0,
        "screenshot": trace.screenshots.get(step.step),
        "page_lines": step.page.count("\n") + 1 if step.page else 0,
        "calls": [_call_view(trace, calls[i]) for i in step.calls if i in calls],
    }


def render_trace_html(directory: str | Path) -> Path:
    """Writes ``trace.html`` into the trace folder ``directory``; returns its path."""
    trace = read_trace(directory)
    manifest = trace.manifest
    result = trace.result
    task = manifest.get("task")
    calls = {c.id: c for c in trace.calls}
    claimed = {i for s in trace.steps for i in s.calls}
    html = (
        html_environment()
        .get_template("trace.html.j2")
        .render(
            trace=trace,
            result=result,
            manifest=manifest,
            task=task if isinstance(task, dict) else {"id": task} if task else {},
            steps=[_step_view(trace, s, calls) for s in trace.steps],
            # Calls no step record claims: the last plan that chose nothing, a crash.
            other_calls=[_call_view(trace, c) for c in trace.calls if c.id not in claimed],
            named=namer(trace.steps),
            cancelled=StopReason.CANCELLED.value,
            title=(result.task_id if result else None)
            or (task.get("id") if isinstance(task, dict) else task)
            or trace.dir.name,
        )
    )
    out = trace.dir / HTML
    out.write_text(html, encoding="utf-8")
    return out
