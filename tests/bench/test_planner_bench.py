"""``bench planner``'s workload and figures (the benchmark itself runs from the CLI)."""

from __future__ import annotations

from forethought.bench.planner import (
    OURS,
    WEBDREAMER,
    BenchRun,
    DecisionRecord,
    configs,
    planned,
    summarize,
    total_units,
)

KEYS = {
    "webdreamer_completion_tokens_per_decision",
    "ours_completion_tokens_per_decision",
    "completion_ratio",
    "overhead_ms_per_node",
    "overhead_ms_at_10k_nodes",
    "overhead_fraction",
    "prompt_tokens_read_per_decision",
    "page_tokens_per_decision",
}


def _record(config: str, page: str, completion: int, read: int, wall: float) -> DecisionRecord:
    return DecisionRecord(
        config, page, "click(1)", "completed", 3, 7, completion, 2000, read, 1000, wall
    )


def test_workload_covers_every_planner_and_format() -> None:
    for full in (False, True):
        names = [c.name for c in configs(full)]
        assert names[:2] == [OURS, WEBDREAMER]
        assert {
            f"{a}/{f}" for a in ("lookahead", "mcts", "beam") for f in ("diff", "nl", "full")
        } <= set(names)
    small, big = planned(False), planned(True)
    assert sum(c.name == WEBDREAMER for c, _ in small) == 1 < len(small) < len(big)
    assert total_units(False) == len(small) + 3
    webdreamer = next(c for c in configs(False) if c.name == WEBDREAMER).options
    assert (webdreamer.candidates, webdreamer.simulations, webdreamer.depth) == (4, 3, 2)


def test_summary_keys_and_ratios() -> None:
    run = BenchRun(
        [
            _record(OURS, "a", 100, 1200, 20.0),
            _record(OURS, "b", 300, 1400, 40.0),
            _record(WEBDREAMER, "a", 2000, 5000, 400.0),
        ]
    )
    overhead = {
        "overhead_ms_per_node": 0.2,
        "overhead_ms_at_10k_nodes": 2000.0,
        "default_decision_overhead_ms": 3.0,
    }
    result = summarize(run, overhead, "m")
    assert result.keys() >= KEYS
    assert result["ours_completion_tokens_per_decision"] == 100  # on WebDreamer's pages
    assert result["completion_ratio"] == 20
    assert result["prompt_tokens_read_per_decision"] == 1300
    assert result["page_tokens_per_decision"] == 1000
    assert result["overhead_fraction"] == 0.0001  # 3 ms of a 30 s decision
    assert result["by_config"][OURS]["decisions"] == 2
