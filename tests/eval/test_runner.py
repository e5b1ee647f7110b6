"""The runner with fake episodes: resume, skip, refusal, crash and timeout rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from forethought.eval.config import EvalConfig, EvalConfigError, parse_seeds
from forethought.eval.runner import plan_episodes, run_eval
from forethought.eval.store import ResultsStore

from .fakes import crash_on_cart_add, deletes_then_hangs, die, fake_episode, hang

TASKS = ["shop.cart-add", "shop.price-lookup"]


def config(**overrides) -> EvalConfig:
    fields = {"tasks": TASKS, "agents": ["reactive:gate-off", "lookahead"], "max_steps": 2}
    return EvalConfig(**(fields | overrides))


def calls(out: Path) -> list[str]:
    return (out / "calls.log").read_text().split()


def run(cfg: EvalConfig, out: Path, fn=fake_episode, workers: int = 2):
    return run_eval(
        cfg, out, workers=workers, base_url="http://fake", episode_fn=fn, show_progress=False
    )


def test_plan_and_seed_options() -> None:
    episodes = plan_episodes(config(seeds=[0, 1]))
    assert len(episodes) == 8 and len({e.key for e in episodes}) == 8
    assert episodes[0].key == "shop.cart-add--reactive+gate-off--s0"
    assert parse_seeds(None, 3) == [0, 1, 2] and parse_seeds("4,7", None) == [4, 7]
    with pytest.raises(EvalConfigError, match="not both"):
        parse_seeds("0,1", 2)
    with pytest.raises(EvalConfigError, match="unknown agent"):
        run_eval(config(agents=["reactive:gate-of"]), "/nonexistent", base_url="x")


def test_rows_then_resume_skips_then_changed_config_refused(tmp_path: Path) -> None:
    first = run(config(), tmp_path)
    assert (first.total, first.ran, first.skipped, first.errors) == (4, 4, 0, 0)
    with ResultsStore(tmp_path) as store:
        rows = store.rows()
    assert len(rows) == 4 and all(r.trace_path and r.model for r in rows)
    assert (tmp_path / rows[0].trace_path / "result.json").exists()
    again = run(config(), tmp_path)
    assert (again.ran, again.skipped) == (0, 4)
    assert sorted(calls(tmp_path)) == sorted(r.episode for r in rows)  # each ran once
    with pytest.raises(EvalConfigError, match=r"max_steps: 2 → 3"):
        run(config(max_steps=3), tmp_path)
    # A folder made before --max-steps defaulted to auto: the message says how to resume.
    with pytest.raises(EvalConfigError, match=r"(?s)max_steps: 2 → 'auto'.*add --max-steps 2"):
        run(config(max_steps="auto"), tmp_path)


def test_a_crash_is_an_error_row_and_the_run_goes_on(tmp_path: Path) -> None:
    cfg = config(agents=["lookahead"])
    summary = run(cfg, tmp_path, fn=crash_on_cart_add)
    assert (summary.ran, summary.errors) == (2, 1)
    with ResultsStore(tmp_path) as store:
        errors = {r.episode: r.error for r in store.rows() if r.error}
    assert list(errors) == ["shop.cart-add--lookahead--s0"]
    assert "RuntimeError: browser crashed (fake)" in errors["shop.cart-add--lookahead--s0"]
    # Error rows are finished episodes: a rerun does not retry them.
    assert run(cfg, tmp_path, fn=crash_on_cart_add).ran == 0


def test_timeouts_and_dead_workers_are_error_rows(tmp_path: Path) -> None:
    cfg = config(tasks=TASKS[:1], agents=["reactive"], episode_timeout=2)
    run(cfg, tmp_path / "hang", fn=hang, workers=1)
    run(cfg, tmp_path / "die", fn=die, workers=1)
    with ResultsStore(tmp_path / "hang") as store:
        [hung] = store.rows()
    with ResultsStore(tmp_path / "die") as store:
        [dead] = store.rows()
    assert hung.error and "timed out after 2 s" in hung.error and not hung.success
    assert hung.timed_out  # no result to judge: an error row, noted as a timeout
    counts = (hung.steps, hung.llm_calls, hung.prompt_tokens, hung.completion_tokens)
    assert counts == (2, 5, 500, 5)  # what it spent in the steps it finished is kept
    assert dead.error and "worker process died (exit code 3)" in dead.error


def test_a_timed_out_episode_in_the_right_state_is_a_success_not_an_error(tmp_path: Path) -> None:
    """The episode reaches the goal's state, then hangs until the timeout: it is judged
    there, and its row is a success with a timeout noted, not an error."""
    from forethought.eval.report import build_report

    cfg = config(tasks=TASKS[:1], agents=["reactive"], episode_timeout=3)
    summary = run(cfg, tmp_path, fn=deletes_then_hangs, workers=1)
    assert (summary.ran, summary.successes, summary.errors, summary.timed_out) == (1, 1, 0, 1)
    with ResultsStore(tmp_path) as store:
        [row] = store.rows()
    assert row.success and row.timed_out and row.error is None
    assert row.verdict_detail == "deleted 'Old notes'"
    assert row.stop_reason == "cancelled: timed out or interrupted"
    [task] = plan_episodes(cfg)
    assert row.steps == 3 and row.level == task.task.meta["level"]  # stored at write time
    md = build_report(tmp_path).markdown.read_text()
    # success 1/1, 0 errors, 1 timed out; no failed episodes to list
    assert "| reactive | 1 | 100% [100%–100%] | – | 0 | 1 |" in md
    assert "## Failed episodes" not in md


@pytest.mark.slow
def test_ray_backend_with_fake_episodes(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    summary = run_eval(
        config(),
        tmp_path,
        workers=2,
        backend="ray",
        base_url="http://fake",
        episode_fn=crash_on_cart_add,
        show_progress=False,
    )
    assert (summary.ran, summary.errors) == (4, 2)
    assert sorted(calls(tmp_path)) == sorted(set(calls(tmp_path)))
