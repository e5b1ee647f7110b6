"""Draws a planner search tree (node-link JSON) as inline SVG: a tidy top-down layout.

Leaves take consecutive columns in depth-first order and each parent sits centred over
its children. Real states are filled, imagined ones dashed and tinted by their score;
the chosen action and its best continuation are highlighted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

NODE_W, NODE_H = 172, 48
GAP_X, GAP_Y = 16, 38
PAD = 10
MAX_NODES = 120


def safe_text(value: object) -> Markup:
    """HTML-escaped text in which ``scheme://`` cannot read as a link to load."""
    return Markup(str(escape(str(value))).replace("://", ":&#47;&#47;"))


@dataclass
class _Node:
    id: Any
    data: dict[str, Any]
    label: str
    children: list[_Node] = field(default_factory=list)
    x: float = 0.0
    depth: int = 0
    chosen: bool = False


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _num(value: object, fmt: str = "{:.2f}") -> str:
    return fmt.format(value) if isinstance(value, int | float) else "–"


def _build(node_link: dict[str, Any]) -> tuple[_Node | None, int]:
    """The tree of ``_Node`` (pruned to ``MAX_NODES``) and how many nodes were left out."""
    data = {n["id"]: n for n in node_link.get("nodes", [])}
    kids: dict[Any, list[tuple[Any, str]]] = {}
    has_parent = set()
    for e in node_link.get("edges", []):
        kids.setdefault(e["source"], []).append((e["target"], str(e.get("label", ""))))
        has_parent.add(e["target"])
    root_id = node_link.get("graph", {}).get("root")
    if root_id not in data:
        root_id = next((n for n in data if n not in has_parent), None)
    if root_id is None:
        return None, 0
    root = _Node(root_id, data[root_id], "now")
    level, kept = [root], 1
    while level and kept < MAX_NODES:
        nxt: list[_Node] = []
        for parent in level:
            ranked = sorted(kids.get(parent.id, []), key=lambda c: -data[c[0]].get("visits", 0))
            for child_id, label in ranked[: MAX_NODES - kept]:
                node = _Node(child_id, data[child_id], label, depth=parent.depth + 1)
                parent.children.append(node)
                nxt.append(node)
                kept += 1
        level = nxt
    order = {child: i for children in kids.values() for i, (child, _) in enumerate(children)}
    for n in _walk(root):
        n.children.sort(key=lambda c: order.get(c.id, 0))
    return root, len(data) - kept


def _walk(node: _Node) -> list[_Node]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(n.children))
    return out


def _mark_chosen(root: _Node, action: str | None) -> None:
    """Highlights the executed action's node and its best continuation below it."""
    if not action:
        return
    matches = [c for c in root.children if c.label == action]
    if not matches:
        return
    root.chosen = True
    node: _Node | None = max(matches, key=lambda c: c.data.get("visits", 0))
    while node is not None:
        node.chosen = True
        node = max(
            node.children,
            key=lambda c: (c.data.get("best", 0), c.data.get("visits", 0)),
            default=None,
        )


def _layout(root: _Node) -> int:
    """Assigns ``x`` (in columns); returns the number of columns."""
    column = 0

    def place(node: _Node) -> None:
        nonlocal column
        if not node.children:
            node.x = column
            column += 1
            return
        for child in node.children:
            place(child)
        node.x = (node.children[0].x + node.children[-1].x) / 2

    place(root)
    return column


def _fill(data: dict[str, Any]) -> str:
    if data.get("real"):
        return "#dbe7f7"
    score = data.get("score", data.get("value") if data.get("visits") else None)
    if not isinstance(score, int | float):
        return "#f4f4f4"
    hue = round(120 * max(0.0, min(1.0, float(score))))
    return f"hsl({hue}, 65%, 90%)"


def _tooltip(node: _Node) -> str:
    d = node.data
    lines = [node.label if node.depth else "current page (real)"]
    stats = ("visits", "value", "best", "prior", "score", "score_confidence", "calls")
    stats_line = ", ".join(f"{k}={_num(d[k], '{:.3g}')}" for k in stats if k in d)
    lines.append(stats_line)
    if d.get("completion_tokens") is not None:
        lines.append(f"tokens: {d.get('prompt_tokens', 0)} in, {d['completion_tokens']} out")
    if d.get("state"):
        lines.append(_short(str(d["state"]), 600))
    return "\n".join(line for line in lines if line)


def _node_svg(node: _Node, cx: float, y: float) -> str:
    d = node.data
    x = cx - NODE_W / 2
    classes = ["node", "real" if d.get("real") else "imagined"]
    if node.chosen:
        classes.append("chosen")
    title = _short(node.label, 24) if node.depth else "now (real page)"
    score = f"score {_num(d['score'])}" if isinstance(d.get("score"), int | float) else ""
    stats = f"v{d.get('visits', 0)} · q {_num(d.get('value'))}"
    return (
        f'<g class="{" ".join(classes)}"><title>{safe_text(_tooltip(node))}</title>'
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{NODE_W}" height="{NODE_H}" rx="7" '
        f'fill="{_fill(d)}"/>'
        f'<text x="{cx:.1f}" y="{y + 18:.1f}" class="t1">{safe_text(title)}</text>'
        f'<text x="{cx:.1f}" y="{y + 36:.1f}" class="t2">{safe_text(stats)}'
        f'{"  " if score else ""}<tspan class="sc">{safe_text(score)}</tspan></text></g>'
    )


def tree_svg(node_link: dict[str, Any], action: str | None = None) -> Markup:
    """The tree as an ``<svg>`` element (empty markup if it has no nodes)."""
    root, hidden = _build(node_link)
    if root is None:
        return Markup("")
    _mark_chosen(root, action)
    columns = _layout(root)
    nodes = _walk(root)
    depth = max(n.depth for n in nodes)
    width = columns * (NODE_W + GAP_X) - GAP_X + 2 * PAD
    height = (depth + 1) * (NODE_H + GAP_Y) - GAP_Y + 2 * PAD + (18 if hidden else 0)

    def centre(n: _Node) -> tuple[float, float]:
        return PAD + n.x * (NODE_W + GAP_X) + NODE_W / 2, PAD + n.depth * (NODE_H + GAP_Y)

    edges, boxes = [], []
    for n in nodes:
        cx, y = centre(n)
        for c in n.children:
            ccx, cy = centre(c)
            mid = (y + NODE_H + cy) / 2
            cls = "edge chosen" if n.chosen and c.chosen else "edge"
            edges.append(
                f'<path class="{cls}" d="M{cx:.1f},{y + NODE_H:.1f} C{cx:.1f},{mid:.1f} '
                f'{ccx:.1f},{mid:.1f} {ccx:.1f},{cy:.1f}"/>'
            )
        boxes.append(_node_svg(n, cx, y))
    more = (
        f'<text x="{PAD}" y="{height - 6}" class="more">{hidden} more nodes not drawn</text>'
        if hidden
        else ""
    )
    return Markup(
        f'<svg class="tree" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="search tree">{"".join(edges)}{"".join(boxes)}{more}</svg>'
    )
