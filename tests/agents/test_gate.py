"""The gate's rules (pure) — the end-to-end gate tests are in test_gate_e2e.py."""

from __future__ import annotations

import pytest

from forethought.agents.config import AgentConfig
from forethought.agents.gate import rule
from forethought.envs.types import Action, Risk

SAFE = Action(kind="click", target="1", risk=Risk.SAFE)
CHANGE = Action(kind="click", target="2", risk=Risk.STATE_CHANGING)
BUY = Action(kind="click", target="3", risk=Risk.IRREVERSIBLE)


def test_safe_actions_pass_unscored():
    assert rule(SAFE, None, AgentConfig()).decision == "allowed"


def test_risky_actions_need_a_score_first():
    for action in (CHANGE, BUY):
        ruling = rule(action, None, AgentConfig())
        assert ruling.needs_score and ruling.decision is None


def test_state_changing_runs_once_scored():
    assert rule(CHANGE, 0.1, AgentConfig()).decision == "allowed"


@pytest.mark.parametrize(
    ("mode", "score", "decision", "ask"),
    [
        ("allow-scored", 0.74, "blocked", False),
        ("allow-scored", 0.75, "allowed", False),
        ("deny", 1.0, "denied", False),
        ("deny", 0.1, "blocked", False),
        ("ask", 0.9, None, True),
        ("ask", 0.2, "blocked", False),
    ],
)
def test_irreversible(mode, score, decision, ask):
    ruling = rule(BUY, score, AgentConfig(on_irreversible=mode))
    assert (ruling.decision, ruling.ask) == (decision, ask)


def test_dry_run_never_executes_risky_actions_even_with_the_gate_off():
    for gate in (True, False):
        config = AgentConfig(gate=gate, dry_run=True)
        assert rule(BUY, 1.0, config).decision == "dry_run"
        assert rule(CHANGE, 1.0, config).decision == "dry_run"
        assert rule(SAFE, None, config).decision == "allowed"


def test_gate_off_allows_everything():
    assert rule(BUY, None, AgentConfig(gate=False)).decision == "allowed"


def test_agent_specs():
    assert AgentConfig.from_spec("reactive:gate-off").gate is False
    assert AgentConfig.from_spec("mcts:no-speculate").speculate is False
    assert AgentConfig.from_spec("webdreamer").planner_options().candidates == 4
    with pytest.raises(ValueError, match="unknown agent"):
        AgentConfig.from_spec("greedy")
    with pytest.raises(ValueError, match="unknown agent flag"):
        AgentConfig.from_spec("lookahead:fast")
