"""``bench pages``'s figures: the summary, the baseline read from an evaluation, the
tokenizer's fallback (no browser, no model)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from forethought.bench.pages import (
    ISSUE_MEDIANS,
    PageCost,
    TokenCounter,
    baseline,
    render,
    summarise,
)


def _page(task: str, prompt: int, page: int = 500, actionable: int = 10) -> PageCost:
    return PageCost(task, f"http://x/{task}", prompt, page, actionable)


def test_summary_per_site_and_overall() -> None:
    pages = [
        _page("shop.a", 1000, 700, 12),
        _page("shop.a", 1200, 900, 20),
        _page("shop.b", 3000, 2500, 40),
        _page("mail.a", 800, 400, 8),
    ]
    today = {"shop": 2000.0, "mail": 939.0, "all": 1500.0}
    result = summarise(pages, today, tokenizer="t", failed=["travel.x: gone"])
    shop, mail, travel, both = (result["by_site"][k] for k in ("shop", "mail", "travel", "all"))
    assert list(result["by_site"]) == ["shop", "mail", "travel", "all"]
    assert shop["pages"] == 3 and shop["prompt_tokens_median"] == 1200
    assert shop["prompt_tokens_max"] == 3000 and shop["page_tokens_median"] == 900
    assert shop["actionable_median"] == 20
    assert shop["baseline_prompt_tokens_median"] == 2000 and shop["ratio"] == 0.6
    assert shop["issue_prompt_tokens_median"] == ISSUE_MEDIANS["shop"] == 1816
    assert mail["ratio"] == round(800 / 939, 2)
    assert travel["pages"] == 0 and travel["prompt_tokens_median"] is None
    assert travel["ratio"] is None and travel["issue_prompt_tokens_median"] == 1308
    assert both["pages"] == 4 and both["prompt_tokens_median"] == 1100
    assert both["ratio"] == round(1100 / 1500, 2) and both["issue_prompt_tokens_median"] is None
    assert len(result["pages"]) == 4 and result["failed"] == ["travel.x: gone"]
    json.dumps(result)  # --json prints it as is
    text = render(result)
    assert "1,200" in text and "0.6" in text and "939" in text and "travel.x: gone" in text


def test_summary_without_a_baseline() -> None:
    result = summarise([_page("mail.a", 800)], {})
    assert result["by_site"]["mail"]["baseline_prompt_tokens_median"] is None
    assert result["by_site"]["mail"]["ratio"] is None
    assert "-" in render(result)


def test_baseline_reads_per_call_medians_from_traces(tmp_path: Path) -> None:
    trace = tmp_path / "traces" / "mail.a"
    trace.mkdir(parents=True)
    steps = [{"usage": {"llm_calls": 1, "prompt_tokens": n}} for n in (900, 1000, 1100)]
    steps.append({"usage": {"llm_calls": 2, "prompt_tokens": 2400}})  # 1200 a call
    steps.append({"usage": None})  # a step without a call
    (trace / "steps.jsonl").write_text("".join(json.dumps(s) + "\n" for s in steps))
    conn = sqlite3.connect(tmp_path / "results.sqlite")
    conn.execute(
        "CREATE TABLE episodes (episode TEXT, task TEXT, agent TEXT, prompt_tokens INTEGER, "
        "llm_calls INTEGER, steps INTEGER, trace_path TEXT)"
    )
    rows = [
        ("1", "mail.a", "reactive:gate-off", 5600, 5, 5, "traces/mail.a"),
        ("2", "shop.b", "reactive:gate-off", 3600, 2, 2, "traces/missing"),  # totals then
        ("3", "shop.c", "reactive:gate-off", 0, 0, 0, None),  # no call: left out
        ("4", "shop.b", "lookahead", 99999, 1, 1, None),  # another agent
    ]
    conn.executemany("INSERT INTO episodes VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    assert baseline(tmp_path) == {"mail": 1050, "shop": 1800, "all": 1100}
    assert baseline(tmp_path / "nowhere") == {}


def test_committed_evaluation_gives_the_issues_figures() -> None:
    results = Path(__file__).resolve().parents[2] / "results" / "builtin"
    if not (results / "results.sqlite").is_file():
        pytest.skip("no committed evaluation here (an installed copy)")
    today = baseline(results)
    assert {site: round(today[site]) for site in ISSUE_MEDIANS} == ISSUE_MEDIANS


def test_chat_messages_are_counted_with_their_template() -> None:
    counter = TokenCounter("words", lambda text: len(text.split()), exact=False)
    bare = counter.text("a b c")
    templated = counter.messages([{"role": "user", "content": "a b c"}])
    assert bare == 3 and templated > bare
