"""Scoring continuations on the real embedded engine (0.5B): one cached pass gives what
reading each continuation from scratch gives, and leaves the engine serving as before."""

from __future__ import annotations

import numpy as np
import pytest

from forethought.settings import TEST_MODEL
from forethought.worldmodel import registry
from forethought.worldmodel.serving.embedded import EmbeddedEngine, EngineError

pytestmark = pytest.mark.slow

PAGE = "\n".join(
    f"[{i}] row 'Order #{1000 + i}: {name}'"
    for i, name in enumerate(["Trail Runner shoes", "Wool socks", "Rain jacket", "Camp mug"], 1)
)
MESSAGES = [
    {"role": "system", "content": "You answer questions about web pages."},
    {
        "role": "user",
        "content": f"Page:\n{PAGE}\n\nWhich row shows the Rain jacket? "
        'Reply as JSON: {"element": "<the row>"}',
    },
]
PREFIX = '{"element": '
RIGHT = "\"[3] row 'Order #1003: Rain jacket'\"}"
WRONG = "\"[4] row 'Order #1004: Camp mug'\"}"
GARBAGE = '"zq xv qq"}'


@pytest.fixture(scope="module")
def engine():
    # Exact mode: small batches round like single steps, so readings compare closely.
    engine = EmbeddedEngine(registry.pull(TEST_MODEL), spec="ours", n_ctx=2048, exact=True)
    yield engine
    engine.llama.close()


def from_scratch(engine: EmbeddedEngine, continuation: str) -> float:
    """The continuation's log likelihood, read alone from an empty cache."""
    llama = engine.llama
    prompt = engine._chat_tokens(MESSAGES)
    tokens, counted = engine._reply_tokens(PREFIX, [continuation])
    seq = prompt + tokens
    llama.reset()
    llama.eval(seq)
    at = np.array(counted) + len(prompt)
    rows = np.asarray(llama.scores[at - 1], dtype=np.float64)
    norm = np.log(np.exp(rows - rows.max(1, keepdims=True)).sum(1)) + rows.max(1)
    return float((rows[np.arange(len(at)), [seq[p] for p in at]] - norm).sum())


def score(engine: EmbeddedEngine, continuations: list) -> list[float]:
    body = {"messages": MESSAGES, "prefix": PREFIX, "continuations": continuations}
    return engine.score(body)["logprobs"]


def test_one_pass_gives_what_reading_each_alone_gives(engine):
    together = score(engine, [RIGHT, WRONG, GARBAGE])
    alone = [from_scratch(engine, c) for c in (RIGHT, WRONG, GARBAGE)]
    # Not bit for bit: llama.cpp's kernels for batches of 8 tokens and more round
    # differently, and one pass splits the tokens into other batches (up to 0.3 nats
    # apart here). Reading a wrong row's logits would be off by several.
    assert together == pytest.approx(alone, abs=0.5)
    assert all(value < 0 for value in together)
    # The cache now holds the prompt: a second pass reads only the continuations.
    usage = engine.score({"messages": MESSAGES, "prefix": PREFIX, "continuations": [WRONG]})
    assert (
        usage["usage"]["prompt_tokens_details"]["cached_tokens"] == usage["usage"]["prompt_tokens"]
    )
    assert usage["usage"]["read_tokens"] < 20


def test_the_row_the_question_asks_for_scores_best(engine):
    right, wrong, garbage = score(engine, [RIGHT, WRONG, GARBAGE])
    assert right > wrong and right > garbage


def test_context_parts_are_read_but_not_counted(engine):
    cut = RIGHT.index("]") + 1  # the row's id counts; the rest of the row is context
    whole, head, none = score(engine, [RIGHT, [RIGHT[:cut], RIGHT[cut:]], ["", RIGHT]])
    assert none == 0.0
    assert whole < head < 0


def test_a_reply_is_the_same_after_scoring(engine):
    body = {"messages": MESSAGES, "max_tokens": 16, "temperature": 0}
    engine.chat(body)  # the prompt is now cached: the next two read it the same way
    before = engine.chat(body)["choices"][0]["message"]["content"]
    score(engine, [RIGHT, WRONG, GARBAGE])
    after = engine.chat(body)["choices"][0]["message"]["content"]
    assert after == before


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"messages": [], "continuations": ["x"]}, "messages"),
        ({"messages": MESSAGES, "continuations": []}, "continuations"),
        ({"messages": MESSAGES, "prefix": 3, "continuations": ["x"]}, "prefix"),
    ],
)
def test_bad_score_requests_are_refused_in_one_line(engine, body, problem):
    with pytest.raises(EngineError, match=problem):
        engine.score(body)
