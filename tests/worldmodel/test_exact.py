"""Exact mode of the embedded engine (0.5B): verification batches that round like single steps.

Speculative decoding is bit-exact only if scoring a draft in one batch gives the same
logits as decoding its tokens one by one. llama.cpp's faster batched kernels do not
(near-ties can flip a greedy token); exact mode's settings do, up to
``EXACT_VERIFY_BATCH`` tokens per batch. These tests check that property on the real
model, so a llama.cpp upgrade that breaks it fails here.
"""

from __future__ import annotations

import numpy as np
import pytest

from forethought.bench.specdec import load_workload, recorded_rollout, sum_counts
from forethought.settings import TEST_MODEL
from forethought.worldmodel import registry
from forethought.worldmodel.drafting import SuffixDrafter, replay
from forethought.worldmodel.serving.drafters import CappedDraft
from forethought.worldmodel.serving.embedded import EXACT_VERIFY_BATCH, EmbeddedEngine, EngineError

pytestmark = pytest.mark.slow
GROUP = "miniwob.book-flight#0"


@pytest.fixture(scope="module")
def path():
    return registry.pull(TEST_MODEL)


def logits(engine: EmbeddedEngine, prompt: list[int], tail: list[int], batch: int) -> np.ndarray:
    """Logits at every tail position, with the tail evaluated ``batch`` tokens at a time."""
    llama = engine.llama
    llama.reset()
    llama.eval(prompt)
    for i in range(0, len(tail), batch):
        llama.eval(tail[i : i + batch])
    return np.array(llama.scores[len(prompt) : len(prompt) + len(tail)])


def test_exact_batches_give_bit_identical_logits(path):
    engine = EmbeddedEngine(path, spec="ours", n_ctx=2048, exact=True)
    try:
        (prompt,) = [p for p in load_workload() if p.group == GROUP and p.format == "full"][:1]
        text = prompt.messages[-1]["content"]
        tokens = engine.llama.tokenize(text.encode())
        head, tail = tokens[:300], tokens[300:328]
        single = logits(engine, head, tail, 1)
        for batch in range(2, EXACT_VERIFY_BATCH + 1):
            assert np.array_equal(logits(engine, head, tail, batch), single), batch
    finally:
        engine.llama.close()


def test_exact_mode_serves_identical_output_as_the_simulator_predicts(path):
    prompts = [p for p in load_workload() if p.group == GROUP and p.format == "full"][:2]
    served, rollouts = {}, []
    for spec in ("off", "ours"):
        engine = EmbeddedEngine(path, spec=spec, n_ctx=4096, exact=True)
        try:
            served[spec] = []
            for prompt in prompts:
                body = {"max_tokens": 96, "temperature": 0, "messages": prompt.messages}
                response = engine.chat(body)
                served[spec].append(response)
                if spec == "off":
                    rollouts.append(
                        recorded_rollout(engine.llama, response["usage"], response, prompt)
                    )
        finally:
            engine.llama.close()
    texts = {k: [r["choices"][0]["message"]["content"] for r in v] for k, v in served.items()}
    assert texts["ours"] == texts["off"]
    real = sum_counts([r["usage"]["speculative"] for r in served["ours"]])
    assert real["accepted_tokens"] > 0
    capped = CappedDraft(SuffixDrafter(), EXACT_VERIFY_BATCH - 1)
    assert replay(capped, rollouts, n_ctx=4096).counts() == real


def test_exact_mode_refuses_more_than_one_thread(path):
    with pytest.raises(EngineError, match="one thread"):
        EmbeddedEngine(path, spec="off", n_ctx=512, n_threads=2, exact=True)
