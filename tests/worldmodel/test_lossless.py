"""Our drafter in the real embedded engine (0.5B): lossless, and as the simulator predicts.

Real world-model prompts from the benchmark's workload (a MiniWoB page, four sibling
actions, ``full`` then ``diff``), greedy, served without speculation and with ``ours``.
"""

from __future__ import annotations

import pytest

from forethought.bench.specdec import Prompt, load_workload, recorded_rollout
from forethought.settings import TEST_MODEL
from forethought.worldmodel import registry
from forethought.worldmodel.drafting import Rollout, SuffixDrafter, replay
from forethought.worldmodel.serving.drafters import DEFAULT_SPEC, SPEC_MODES

pytestmark = pytest.mark.slow
MODEL = TEST_MODEL
GROUP = "miniwob.book-flight#0"
MAX_TOKENS = 128


def workload() -> list[Prompt]:
    prompts = [p for p in load_workload() if p.group == GROUP]
    return [p for p in prompts if p.format == "full"] + [p for p in prompts if p.format == "diff"][
        :2
    ]


@pytest.fixture(scope="module")
def runs():
    from forethought.worldmodel.serving.embedded import EmbeddedEngine

    path = registry.pull(MODEL)
    prompts = workload()
    served: dict[str, list[dict]] = {}
    rollouts: list[Rollout] = []
    for spec in ("off", "ours"):
        # One thread: on a machine shared with other busy processes, two threads that
        # spin waiting for each other are several times slower.
        engine = EmbeddedEngine(path, spec=spec, n_ctx=4096, n_threads=1)
        served[spec] = []
        for prompt in prompts:
            body = {"messages": prompt.messages, "max_tokens": MAX_TOKENS, "temperature": 0}
            response = engine.chat(body)
            served[spec].append(response)
            if spec == "off":
                rollout = recorded_rollout(engine.llama, response["usage"], response, prompt)
                assert rollout is not None
                rollouts.append(rollout)
        engine.llama.close()
    return served, rollouts


def test_ours_is_registered_and_the_default():
    assert "ours" in SPEC_MODES and DEFAULT_SPEC == "ours"


def test_greedy_output_is_identical_with_and_without_our_drafter(runs):
    served, _ = runs
    plain = [r["choices"][0]["message"]["content"] for r in served["off"]]
    ours = [r["choices"][0]["message"]["content"] for r in served["ours"]]
    assert ours == plain
    assert all(len(text) > 100 for text in plain[:4])  # full pages (a diff may be "no change")
    drafted = sum(r["usage"]["speculative"]["draft_tokens"] for r in served["ours"])
    accepted = sum(r["usage"]["speculative"]["accepted_tokens"] for r in served["ours"])
    assert drafted > 0 and accepted > 0


def test_simulator_reproduces_the_real_runs_counts(runs):
    served, rollouts = runs
    real = {"drafts": 0, "draft_tokens": 0, "accepted_tokens": 0}
    for response in served["ours"]:
        for key in real:
            real[key] += response["usage"]["speculative"][key]
    simulated = replay(SuffixDrafter(), rollouts, n_ctx=4096)
    assert simulated.counts() == real
    assert {"context", "sibling"} <= set(simulated.by_source)
