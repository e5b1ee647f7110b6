"""Our drafter without a model: matching, adaptive length, sibling sources, empty drafts."""

from __future__ import annotations

import numpy as np
import pytest

from forethought.worldmodel.drafting import DraftPolicy, SuffixDrafter
from forethought.worldmodel.drafting.index import ContextIndex, Hasher, MemoryIndex, common_prefix
from forethought.worldmodel.drafting.policy import CPU_BATCH_MS, relative_costs

RNG = np.random.default_rng(7)
HEADER = [151644, 77091, 198]  # the chat template's "<|im_start|>assistant\n"


def tokens(n: int, low: int = 1000) -> list[int]:
    return RNG.integers(low, low + 50_000, size=n).tolist()


def ids(*parts: list[int]) -> np.ndarray:
    return np.asarray([t for part in parts for t in part], dtype=np.intc)


def serve(drafter: SuffixDrafter, prompt: list[int], output: list[int]) -> list[np.ndarray]:
    """Drive ``drafter`` as llama-cpp-python does for a greedy ``output``; returns the drafts."""
    full = ids(prompt, output)
    drafts, known = [], 1
    while known < len(output):
        draft = drafter(full[: len(prompt) + known])
        assert draft.dtype == np.intc
        drafts.append(draft)
        accepted = common_prefix(draft, full[len(prompt) + known :])
        known += accepted + 1
    return drafts


def test_copies_the_continuation_of_the_page_in_the_prompt():
    page = tokens(400)
    drafter = SuffixDrafter()
    prompt = [1, 2, 3, *page, 4, 5, *HEADER]
    draft = drafter(ids(prompt, page[:20]))
    assert len(draft) > 0
    assert draft.tolist() == page[20 : 20 + len(draft)]
    assert drafter.last_source == "context"


def test_prefers_the_longest_match_over_a_more_recent_short_one():
    a, b, x, y = tokens(30), tokens(30), tokens(1), tokens(1)
    # "x y" occurs twice: first inside a long stretch equal to the query, then alone.
    prompt = [*a, *x, *y, *b, 9, *x, *y, *tokens(30), *HEADER]
    drafter = SuffixDrafter()
    draft = drafter(ids(prompt, a[-20:], x, y))
    assert draft.tolist() == b[: len(draft)] and len(draft) > 0


def test_most_recent_occurrence_wins_among_equally_long_matches():
    key, first, second = tokens(40), tokens(10), tokens(10)
    prompt = [*key, *first, 7, *key, *second, 8, *HEADER]
    draft = SuffixDrafter()(ids(prompt, key))
    assert draft.tolist() == second[: len(draft)] and len(draft) > 0


def test_nothing_matches_means_an_empty_draft():
    drafter = SuffixDrafter()
    assert drafter(ids(tokens(50), tokens(3, low=900_000))).shape == (0,)
    assert drafter.last_source is None
    assert SuffixDrafter()(ids([5])).shape == (0,)  # too short to match anything


def test_draft_length_grows_with_the_match_length():
    page = tokens(600)
    prompt = [*page, *HEADER]
    lengths = [len(SuffixDrafter()(ids(prompt, page[100 - m : 100]))) for m in (8, 40, 100)]
    assert 0 < lengths[0] < lengths[1] < lengths[2] <= DraftPolicy().max_draft


def test_stops_drafting_where_drafts_keep_failing_and_resumes_where_they_pay():
    page = tokens(300)
    policy = DraftPolicy(prior=(0.9,) * 7, probe_every=0)  # optimistic: drafts at first
    drafter = SuffixDrafter(policy)
    # The output repeats 2-token pieces of the page, each followed by a token that breaks
    # the copy: every short-match draft fails at its first token.
    output: list[int] = []
    for i in range(0, 240, 3):
        output += [*page[i : i + 2], 999_999 - i]
    drafts = serve(drafter, [*page, *HEADER], output)
    assert len(drafts[1]) > 0
    assert policy.acceptance("context", 2) < 0.5  # below break-even on this CPU
    assert all(len(d) == 0 for d in drafts[-10:])  # speculating less when it does not pay
    # A long faithful copy is still drafted, and fully.
    copy = serve(drafter, [*tokens(5), *page, *HEADER], page[:200])
    assert max(len(d) for d in copy) >= 16
    assert policy.acceptance("context", 64) > 0.95


def test_probes_let_a_cell_that_stopped_paying_recover():
    policy = DraftPolicy(prior=(0.2,) * 7, probe_every=4)
    assert policy.plan("context", 3, 100)[0] == 0
    probes = [policy.skip_or_probe("context", 3) for _ in range(8)]
    assert probes == [0, 0, 0, 2, 0, 0, 0, 2]
    for _ in range(40):
        policy.observe("context", 3, 2, 2)
    assert policy.plan("context", 3, 100)[0] > 0


def test_sibling_outputs_are_a_source_for_the_next_action_on_the_same_page():
    page, answer = tokens(300), tokens(80, low=200_000)  # the answer is not in the page
    drafter = SuffixDrafter()
    first = [*page, 11, 12, *HEADER]  # action 1
    serve(drafter, first, [*answer, 2])
    sibling = [*page, 13, 14, *HEADER]  # action 2, same page
    draft = drafter(ids(sibling, answer[:6]))
    assert draft.tolist() == answer[6 : 6 + len(draft)] and len(draft) > 0
    assert drafter.last_source == "sibling"


def test_outputs_for_other_pages_are_history():
    answer = tokens(80, low=200_000)
    drafter = SuffixDrafter()
    serve(drafter, [*tokens(300), *HEADER], [*answer, 2])
    draft = drafter(ids([*tokens(300), *HEADER], answer[:6]))
    assert len(draft) > 0 and drafter.last_source == "history"


def test_a_shorter_input_or_another_prefix_starts_a_new_request():
    page = tokens(200)
    drafter = SuffixDrafter()
    serve(drafter, [*page, 1, *HEADER], page[:50])
    request = drafter._request
    drafter(ids([*page, 2, *HEADER], page[:1]))  # shorter: a new request
    assert drafter._request == request + 1
    drafter(ids([*page, 2, *HEADER], page[:2]))  # grew by one: the same request
    assert drafter._request == request + 1
    drafter(ids([*page[:-1], 3, 2, *HEADER], page[:5]))  # same length class, other prefix
    assert drafter._request == request + 2


def test_cutting_the_context_back_leaves_the_index_of_a_fresh_build():
    hasher = Hasher()
    seq = np.asarray(tokens(120) * 2, dtype=np.int64)  # repeats: keys with several positions
    cut = ContextIndex(hasher)
    cut.extend(seq)
    cut.truncate(150)
    cut.extend(seq[150:170])
    fresh = ContextIndex(hasher)
    fresh.extend(seq[:170])
    assert cut.table == fresh.table
    assert cut.tokens.tolist() == fresh.tokens.tolist()


def test_memory_keeps_the_newest_outputs_when_full():
    memory = MemoryIndex(Hasher(), capacity=1000)
    outputs = [np.asarray(tokens(300), dtype=np.int64) for _ in range(6)]
    for request, out in enumerate(outputs):
        memory.add(out, request)
    kept = [s.request for s in memory.segments]
    assert kept[-1] == 5 and 0 not in kept
    assert memory.tokens.shape[0] <= 1000
    last = outputs[-1]
    key = Hasher().suffix(last[:50])[-1]  # the 32-gram ending at 50
    pos = memory.lookup(len(Hasher().grams) - 1, key)
    assert pos is not None and memory.tokens[pos] == last[50]


def test_verification_cost_model_matches_the_measured_cpu_costs():
    cost = relative_costs(CPU_BATCH_MS, 40)
    assert cost[0] == 1.0
    assert cost[7] == pytest.approx(113 / 27) and cost[31] == pytest.approx(340 / 27)
    assert np.all(np.diff(cost) > 0)
    policy = DraftPolicy()
    assert policy.plan("context", 2, 0) == (0, 1.0)  # nothing left to copy
    k, gain = policy.plan("context", 200, 500)
    assert k >= 16 and gain > 1.5
    assert policy.plan("context", 200, 5)[0] == 5  # no more than the source holds
