"""The acceptance simulator replays drafters exactly as llama-cpp-python calls them.

Its agreement with a real speculative run's counts is checked with the real model in
``test_lossless.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from forethought.worldmodel.drafting import Rollout, SuffixDrafter, replay
from forethought.worldmodel.drafting.baselines import ArcticSuffixDraft, arctic_available
from forethought.worldmodel.drafting.simulator import table
from forethought.worldmodel.serving.drafters import MeteredDraft

PROMPT = list(range(100, 140))
OUTPUT = list(range(500, 520))  # 20 sampled tokens, the last one final


class Oracle:
    """Knows the output: drafts its next ``k`` tokens, then ``wrong`` bad ones."""

    def __init__(self, k: int, wrong: int = 0, output: list[int] = OUTPUT) -> None:
        self.k, self.wrong, self.output, self.calls = k, wrong, output, []

    def __call__(self, input_ids: np.ndarray) -> np.ndarray:
        self.calls.append(input_ids.shape[0])
        done = input_ids.shape[0] - len(PROMPT)
        draft = self.output[done : done + self.k] + [1] * self.wrong
        return np.asarray(draft, dtype=np.intc)


def test_calls_follow_llama_generate():
    oracle = Oracle(k=3)
    report = replay(oracle, [Rollout(PROMPT, OUTPUT)])
    # First call after the first sampled token; each round keeps 3 drafts + 1 sampled.
    assert oracle.calls == [41, 45, 49, 53, 57]
    assert report.steps == 5
    # The last draft (at 57) reaches the final token: no later call verifies it.
    assert report.counts() == {"drafts": 4, "draft_tokens": 12, "accepted_tokens": 12}
    assert report.mean_accepted_len == 4.0
    assert report.tokens_per_step == pytest.approx(19 / 5)


def test_rejected_tokens_and_positions():
    report = replay(Oracle(k=2, wrong=2), [Rollout(PROMPT, OUTPUT)])
    assert report.acceptance_rate == pytest.approx(0.5)
    assert report.position_rates() == [1.0, 1.0, 0.0, 0.0]
    assert report.by_source == {"context": [report.draft_tokens, report.accepted_tokens]}


def test_matches_the_servers_meter_on_the_same_calls():
    """MeteredDraft (the embedded server's counter) sees the same calls: same counts."""
    metered = MeteredDraft(Oracle(k=4, wrong=1))
    metered.begin()
    report = replay(metered, [Rollout(PROMPT, OUTPUT)])
    assert report.counts() == metered.stats.as_dict()


def test_estimated_speedup_uses_the_cost_model():
    long = list(range(500, 1500))
    perfect = replay(Oracle(k=31, output=long), [Rollout(PROMPT, long)])
    assert 2.4 < perfect.estimated_speedup < 2.7  # the ceiling on this CPU (ANCHORS.md)
    silent = replay(Oracle(k=0), [Rollout(PROMPT, OUTPUT)])
    assert silent.estimated_speedup == 1.0 and silent.drafts == 0


def test_state_carries_across_rollouts_and_sources_are_attributed():
    page = np.random.default_rng(3).integers(1000, 60000, size=300).tolist()
    answer = list(range(200_000, 200_060))
    siblings = [Rollout([*page, a, 151644, 77091, 198], [*answer, 2]) for a in (1, 2, 3)]
    report = replay(SuffixDrafter(), siblings)
    assert report.by_source["sibling"][1] > 50  # the 2nd and 3rd copy the 1st's answer
    assert "sibling" in table([report])


@pytest.mark.skipif(not arctic_available(), reason="arctic-inference is not installed")
def test_arctic_suffix_cache_replays_too():
    page = np.random.default_rng(4).integers(1000, 60000, size=200).tolist()
    report = replay(ArcticSuffixDraft(), [Rollout([*page, 1], page[:120])])
    assert report.acceptance_rate > 0.8
