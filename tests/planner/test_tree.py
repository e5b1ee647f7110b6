"""SearchTree export, small types and state keys."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from forethought.planner import Cost, PlannerOptions, Score, SearchTree, default_state_key, plan

from .worlds import TRAP, Roles


async def grown_tree() -> SearchTree:
    roles = Roles(TRAP)
    decision = await plan("g", "start", *roles.args, PlannerOptions(algorithm="mcts", depth=2))
    return decision.tree


async def test_node_link_json_round_trip() -> None:
    tree = await grown_tree()
    data = json.loads(tree.to_json(describe=str))
    graph = SearchTree.graph_from_node_link(data)
    exported = tree.export_graph(describe=str)
    assert dict(graph.nodes(data=True)) == dict(exported.nodes(data=True))
    assert list(graph.edges(data=True)) == list(exported.edges(data=True))
    root = data["nodes"][0]
    assert root["real"] is True and root["state"] == "start" and root["visits"] > 0
    edge = next(e for e in data["edges"] if e["label"] == "good")
    assert {"prior", "sample"} <= edge.keys() and "action" not in edge
    node = next(n for n in data["nodes"] if n["id"] == edge["target"])
    assert {"calls", "prompt_tokens", "completion_tokens", "score", "key"} <= node.keys()


async def test_graphml_writes_scalar_attributes(tmp_path) -> None:
    tree = await grown_tree()
    path = tmp_path / "tree.graphml"
    tree.write_graphml(path)
    back = nx.read_graphml(path)
    assert back.number_of_nodes() == len(tree)
    assert back.number_of_edges() == tree.graph.number_of_edges()
    labels = {d["label"] for _, _, d in back.edges(data=True)}
    assert {"decoy", "meh", "good"} <= labels


def test_state_objects_stay_outside_the_graph() -> None:
    tree: SearchTree = SearchTree({"unhashable": "page"})
    assert tree.root_key is None
    child = tree.add_child(tree.root, "go", {"next": 1}, prior=0.5)
    assert tree.state(child) == {"next": 1}
    assert all("state" not in d for _, d in tree.graph.nodes(data=True))
    assert tree.graph.edges[tree.root, child]["action"] == "go"
    assert tree.add_child(tree.root, "go", {"other": 2}) == child  # one child per sample
    assert tree.add_child(tree.root, "go", {"other": 2}, sample=1) != child


def test_score_and_cost() -> None:
    with pytest.raises(ValueError):
        Score(1.5)
    with pytest.raises(ValueError):
        Score(0.5, confidence=-0.1)
    total = Cost(1, 10, 2, 0.5) + Cost(2, 5, 3, 0.25, cached_tokens=4)
    assert total == Cost(3, 15, 5, 0.75, 4) and total.tokens == 20
    assert total.read_tokens == 11 and total.acceptance_rate is None
    drafted = total + Cost(calls=1, draft_tokens=10, accepted_tokens=7)
    assert (drafted.draft_tokens, drafted.accepted_tokens) == (10, 7)
    assert drafted.acceptance_rate == pytest.approx(0.7)
    assert drafted.as_dict()["accepted_tokens"] == 7 and drafted.as_dict()["calls"] == 4


def test_default_state_key() -> None:
    class Page:
        key = "k1"

    class Keyed:
        def key(self) -> str:
            return "k2"

    assert default_state_key(Page()) == "k1"
    assert default_state_key(Keyed()) == "k2"
    assert default_state_key(("a", 1)) == ("a", 1)
    assert default_state_key(["unhashable"]) is None


def test_presets_and_validation() -> None:
    assert PlannerOptions.preset("default") == PlannerOptions()
    assert PlannerOptions.preset("mcts", iterations=5).iterations == 5
    with pytest.raises(ValueError, match="unknown planner preset"):
        PlannerOptions.preset("nope")
    with pytest.raises(ValueError):
        PlannerOptions(candidates=0)
