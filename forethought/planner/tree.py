"""The search tree: a ``networkx.DiGraph`` of real and imagined states.

Node ids are ints. Node data (what exports carry):

- ``key`` (state key), ``depth``, ``real`` (an observed, not imagined, state), ``prior``,
  ``terminal`` (the policy proposed nothing there);
- ``visits``, ``value`` (mean backed-up score), ``confidence`` (mean critic confidence),
  ``best`` (best score below), ``full_visits``/``full_value`` (the same, counting only
  evaluations that reached the planning horizon or a terminal state);
- ``score``/``score_confidence``: the critic's score of the path ending here, if scored;
- ``cost``: a :class:`Cost` of the calls made for this node (flattened on export).

Edge data: ``action`` (the object), ``label`` (``str(action)``), ``prior``, ``sample``.
State objects live beside the graph in :attr:`SearchTree.states`, never in the exported
data. A tree is a tree: each node has one parent; transpositions (equal keys on
different nodes) are found with :meth:`SearchTree.nodes_with_key` and share predictions
through the :class:`~forethought.planner.memo.Memo`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any, Generic

import networkx as nx  # type: ignore[import-untyped]

from .protocols import A, S, StateKey, default_state_key
from .types import ZERO_COST, Cost, Score

_EXPORT_ORDER = ("calls", "prompt_tokens", "completion_tokens", "seconds", "cached_tokens")


class SearchTree(Generic[S, A]):
    """Real and imagined states (nodes) joined by actions (edges), rooted at a real state."""

    def __init__(
        self, root_state: S, *, state_key: StateKey = default_state_key, real: bool = True
    ) -> None:
        self.graph: nx.DiGraph = nx.DiGraph()
        self.states: dict[int, S] = {}
        self.state_key = state_key
        self._parent: dict[int, int] = {}
        self._action: dict[int, A] = {}
        self._child: dict[tuple[int, A, int], int] = {}
        self._by_action: dict[tuple[int, A], list[int]] = {}
        self._by_key: dict[Hashable, list[int]] = {}
        self._next_id = 0
        self.root = self._new_node(root_state, depth=0, prior=1.0, real=real)

    # -- reading ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.states)

    def __contains__(self, node: object) -> bool:
        return node in self.states

    def data(self, node: int) -> dict[str, Any]:
        """The node's attribute dict (live; mutate with care)."""
        data: dict[str, Any] = self.graph._node[node]
        return data

    def state(self, node: int) -> S:
        return self.states[node]

    def key(self, node: int) -> Hashable | None:
        key: Hashable | None = self.graph._node[node]["key"]
        return key

    @property
    def root_key(self) -> Hashable | None:
        return self.key(self.root)

    def parent(self, node: int) -> int | None:
        return self._parent.get(node)

    def action(self, node: int) -> A | None:
        """The action on the edge into ``node`` (``None`` at the root)."""
        return self._action.get(node)

    def children(self, node: int) -> list[int]:
        return list(self.graph._succ[node])

    def child(self, parent: int, action: A, sample: int = 0) -> int | None:
        return self._child.get((parent, action, sample))

    def children_by(self, parent: int, action: A) -> list[int]:
        """All children reached from ``parent`` by ``action`` (one per sample)."""
        return self._by_action.get((parent, action), [])

    def nodes_with_key(self, key: Hashable) -> list[int]:
        """Transpositions: every node whose state has ``key``."""
        return list(self._by_key.get(key, ()))

    def path(self, node: int) -> list[int]:
        """Node ids from the root to ``node``."""
        out = [node]
        parent = self._parent.get(node)
        while parent is not None:
            out.append(parent)
            parent = self._parent.get(parent)
        out.reverse()
        return out

    def trajectory(self, node: int) -> list[tuple[S, A]]:
        """``[(state, action), ...]`` from the root to ``node`` (the critic's ``path``)."""
        ids = self.path(node)
        return [(self.states[p], self._action[c]) for p, c in itertools.pairwise(ids)]

    def imagined_path(self, node: int) -> list[tuple[A, S]]:
        """``[(action, next_state), ...]`` from the root to ``node``."""
        return [(self._action[n], self.states[n]) for n in self.path(node)[1:]]

    def principal_leaf(self, node: int, by: str = "visits") -> int:
        """Follows the child with the highest ``by`` (``visits`` or ``best``) to a leaf."""
        succ = self.graph._succ
        nodes = self.graph._node
        while succ[node]:
            node = max(succ[node], key=lambda c: (nodes[c][by], nodes[c]["visits"]))
        return node

    # -- writing ------------------------------------------------------------------------

    def _new_node(self, state: S, *, depth: int, prior: float, real: bool) -> int:
        node = self._next_id
        self._next_id += 1
        key = self.state_key(state)
        self.graph.add_node(
            node,
            key=key,
            depth=depth,
            real=real,
            terminal=False,
            prior=prior,
            visits=0,
            value=0.0,
            confidence=0.0,
            best=0.0,
            full_visits=0,
            full_value=0.0,
            score=None,
            score_confidence=None,
            cost=ZERO_COST,
        )
        self.states[node] = state
        if key is not None:
            self._by_key.setdefault(key, []).append(node)
        return node

    def add_child(
        self,
        parent: int,
        action: A,
        state: S,
        *,
        prior: float = 1.0,
        sample: int = 0,
        cost: Cost = ZERO_COST,
        real: bool = False,
    ) -> int:
        """Adds the state reached from ``parent`` by ``action`` (imagining ``sample``)."""
        existing = self._child.get((parent, action, sample))
        if existing is not None:
            return existing
        depth = self.graph._node[parent]["depth"] + 1
        node = self._new_node(state, depth=depth, prior=prior, real=real)
        self.graph._node[node]["cost"] = cost
        self.graph.add_edge(
            parent, node, action=action, label=str(action), prior=prior, sample=sample
        )
        self._parent[node] = parent
        self._action[node] = action
        self._child[(parent, action, sample)] = node
        self._by_action.setdefault((parent, action), []).append(node)
        return node

    def charge(self, node: int, cost: Cost) -> None:
        data = self.graph._node[node]
        data["cost"] = data["cost"] + cost

    def set_score(self, node: int, score: Score) -> None:
        data = self.graph._node[node]
        data["score"] = score.value
        data["score_confidence"] = score.confidence

    def cached_score(self, node: int) -> Score | None:
        data = self.graph._node[node]
        if data["score"] is None:
            return None
        return Score(data["score"], data["score_confidence"])

    def backup(self, nodes: Iterable[int], score: Score, *, full: bool) -> None:
        """Adds one evaluation to every node in ``nodes`` (running means, max)."""
        v, c = score.value, score.confidence
        graph_nodes = self.graph._node
        for n in nodes:
            d = graph_nodes[n]
            visits = d["visits"] + 1
            d["visits"] = visits
            d["value"] += (v - d["value"]) / visits
            d["confidence"] += (c - d["confidence"]) / visits
            if v > d["best"]:
                d["best"] = v
            if full:
                fv = d["full_visits"] + 1
                d["full_visits"] = fv
                d["full_value"] += (v - d["full_value"]) / fv

    # -- reuse --------------------------------------------------------------------------

    def reroot(self, action: A, real_state: S) -> SearchTree[S, A] | None:
        """The subtree under the imagined outcome of ``action`` that matches ``real_state``.

        Call after executing ``action`` and observing ``real_state``: when one of the
        imagined children reached by ``action`` has the same state key, it becomes the
        new (real) root, keeping its statistics and descendants. ``None`` when nothing
        matches or the state has no key; then plan from a fresh tree.
        """
        key = self.state_key(real_state)
        if key is None:
            return None
        nodes = self.graph._node
        matches = [c for c in self.children_by(self.root, action) if nodes[c]["key"] == key]
        if not matches:
            return None
        new_root = max(matches, key=lambda c: nodes[c]["visits"])
        keep = [new_root, *nx.descendants(self.graph, new_root)]
        kept = set(keep)
        base = nodes[new_root]["depth"]

        tree: SearchTree[S, A] = SearchTree.__new__(SearchTree)
        tree.graph = self.graph.subgraph(keep).copy()
        tree.state_key = self.state_key
        tree.states = {n: self.states[n] for n in keep}
        tree.states[new_root] = real_state
        tree._parent = {n: p for n, p in self._parent.items() if n in kept and n != new_root}
        tree._action = {n: a for n, a in self._action.items() if n in kept and n != new_root}
        tree._child = {k: n for k, n in self._child.items() if n in kept and n != new_root}
        tree._by_action = {}
        for (p, a), ns in self._by_action.items():
            if p in kept:
                tree._by_action[(p, a)] = list(ns)
        tree._by_key = {}
        for n in keep:
            k = tree.graph._node[n]["key"]
            if k is not None:
                tree._by_key.setdefault(k, []).append(n)
        tree._next_id = self._next_id
        tree.root = new_root
        for n in keep:
            tree.graph._node[n]["depth"] -= base
        tree.graph._node[new_root]["real"] = True
        return tree

    def adopt_root_state(self, state: S) -> None:
        """Replaces the root's state by the observed one (same key), marking it real."""
        self.states[self.root] = state
        self.graph._node[self.root]["real"] = True

    # -- export -------------------------------------------------------------------------

    def export_graph(self, describe: Callable[[S], str] | None = None) -> nx.DiGraph:
        """A copy with only scalar attributes: keys stringified, costs flattened, action
        objects dropped (their ``label`` stays), ``None`` values omitted. ``describe``
        adds a ``state`` text per node."""
        out = nx.DiGraph(root=self.root)
        for n, d in self.graph.nodes(data=True):
            attrs: dict[str, Any] = {}
            for name, value in d.items():
                if value is None:
                    continue
                if name == "cost":
                    for field in _EXPORT_ORDER:
                        attrs[field] = getattr(value, field)
                elif name == "key":
                    attrs[name] = str(value)
                else:
                    attrs[name] = value
            if describe is not None:
                attrs["state"] = describe(self.states[n])
            out.add_node(n, **attrs)
        for u, v, d in self.graph.edges(data=True):
            out.add_edge(u, v, **{k: val for k, val in d.items() if k != "action"})
        return out

    def to_node_link(self, describe: Callable[[S], str] | None = None) -> dict[str, Any]:
        """Node-link data (``nodes``/``edges`` lists), JSON-serialisable."""
        g = self.export_graph(describe)
        return {
            "directed": True,
            "multigraph": False,
            "graph": dict(g.graph),
            "nodes": [{"id": n, **d} for n, d in g.nodes(data=True)],
            "edges": [{"source": u, "target": v, **d} for u, v, d in g.edges(data=True)],
        }

    def to_json(self, describe: Callable[[S], str] | None = None, **dumps: Any) -> str:
        return json.dumps(self.to_node_link(describe), **dumps)

    def write_graphml(self, path: str | Path, describe: Callable[[S], str] | None = None) -> None:
        nx.write_graphml(self.export_graph(describe), str(path))

    @staticmethod
    def graph_from_node_link(data: dict[str, Any]) -> nx.DiGraph:
        """Rebuilds the exported ``DiGraph`` from :meth:`to_node_link` output."""
        g = nx.DiGraph(**data.get("graph", {}))
        for node in data["nodes"]:
            attrs = dict(node)
            g.add_node(attrs.pop("id"), **attrs)
        for edge in data["edges"]:
            attrs = dict(edge)
            g.add_edge(attrs.pop("source"), attrs.pop("target"), **attrs)
        return g
