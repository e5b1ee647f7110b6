"""BrowserGym set-up without servers: which env a task runs in, and one clear line when a
benchmark's package or servers are missing.

No server is needed: the environment variables are faked. These run in both virtualenvs;
the env-level ones only where BrowserGym is installed (.venv-bg).
"""

from __future__ import annotations

import importlib.util
import socket

import pytest

from forethought.envs import suites
from forethought.envs.browsergym import (
    REQUIRED_ENV,
    BrowserGymNotConfigured,
    BrowserGymUnavailable,
    browsergym_available,
    check_benchmark_env,
    list_browsergym_tasks,
)
from forethought.envs.factory import SuiteEnvs
from forethought.envs.suites import SuiteError, load_tasks
from forethought.envs.types import Task

WEBARENA = [
    "WA_SHOPPING",
    "WA_SHOPPING_ADMIN",
    "WA_REDDIT",
    "WA_GITLAB",
    "WA_WIKIPEDIA",
    "WA_MAP",
    "WA_HOMEPAGE",
]
VISUALWEBARENA = [
    "VWA_SHOPPING",
    "VWA_REDDIT",
    "VWA_WIKIPEDIA",
    "VWA_HOMEPAGE",
    "VWA_CLASSIFIEDS",
    "VWA_CLASSIFIEDS_RESET_TOKEN",
]
WORKARENA = ["SNOW_INSTANCE_URL", "SNOW_INSTANCE_UNAME", "SNOW_INSTANCE_PWD"]
ALL = {*WEBARENA, *VISUALWEBARENA, *WORKARENA}
ALL |= {"SNOW_INSTANCE_POOL", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ALL:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_variables_are_browsergyms() -> None:
    assert list(REQUIRED_ENV["webarena"][0]) == WEBARENA
    assert list(REQUIRED_ENV["visualwebarena"][0]) == VISUALWEBARENA
    assert list(REQUIRED_ENV["workarena"][0]) == WORKARENA
    for variant in ("webarena_verified", "webarenalite"):
        assert REQUIRED_ENV[variant] == REQUIRED_ENV["webarena"]


@pytest.mark.parametrize(
    ("benchmark", "names"),
    [("webarena", WEBARENA), ("visualwebarena", VISUALWEBARENA), ("workarena", WORKARENA)],
)
def test_unset_variables_are_named_in_one_line(
    clean_env: pytest.MonkeyPatch, benchmark: str, names: list[str]
) -> None:
    with pytest.raises(BrowserGymNotConfigured) as info:
        check_benchmark_env(benchmark)
    message = str(info.value)
    assert "\n" not in message
    assert all(name in message for name in names), message
    assert benchmark in message and "README" in message


def test_only_the_missing_ones_are_named(clean_env: pytest.MonkeyPatch) -> None:
    for name in WEBARENA[:-2]:
        clean_env.setenv(name, "http://127.0.0.1:1/")
    clean_env.setenv("WA_MAP", "")  # empty counts as unset
    with pytest.raises(BrowserGymNotConfigured, match=r"set WA_MAP, WA_HOMEPAGE;") as info:
        check_benchmark_env("webarena")
    assert "WA_SHOPPING" not in str(info.value)


def test_set_variables_pass(clean_env: pytest.MonkeyPatch) -> None:
    for name in WEBARENA:
        clean_env.setenv(name, "http://127.0.0.1:1/")
    check_benchmark_env("webarena")
    check_benchmark_env("webarena_verified")
    check_benchmark_env("miniwob")  # no servers of its own
    check_benchmark_env("assistantbench")
    with pytest.raises(BrowserGymNotConfigured):
        check_benchmark_env("visualwebarena")


@pytest.mark.parametrize(
    "names", [WORKARENA, ["SNOW_INSTANCE_POOL"], ["HF_TOKEN"], ["HUGGING_FACE_HUB_TOKEN"]]
)
def test_workarena_alternatives(clean_env: pytest.MonkeyPatch, names: list[str]) -> None:
    for name in names:
        clean_env.setenv(name, "x")
    check_benchmark_env("workarena")


def test_workarena_message_names_the_alternatives(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("SNOW_INSTANCE_URL", "https://dev1.service-now.com")
    with pytest.raises(BrowserGymNotConfigured) as info:
        check_benchmark_env("workarena")
    message = str(info.value)
    assert "set SNOW_INSTANCE_UNAME, SNOW_INSTANCE_PWD (or SNOW_INSTANCE_POOL" in message
    assert "HF_TOKEN" in message and "\n" not in message


def test_a_fake_mapping_can_be_checked() -> None:
    check_benchmark_env("webarena", {name: "x" for name in WEBARENA})
    with pytest.raises(BrowserGymNotConfigured):
        check_benchmark_env("webarena", {})


@pytest.mark.parametrize("benchmark", ["webarena", "visualwebarena", "workarena"])
def test_uninstalled_benchmark_is_one_actionable_line(benchmark: str) -> None:
    try:
        installed = importlib.util.find_spec(f"browsergym.{benchmark}") is not None
    except ImportError:  # no browsergym at all
        installed = False
    if installed:
        pytest.skip(f"browsergym.{benchmark} is installed here")
    with pytest.raises(BrowserGymUnavailable) as info:
        list_browsergym_tasks(benchmark)
    message = str(info.value)
    assert "\n" not in message
    assert f"pip install browsergym-{benchmark}" in message
    with pytest.raises(SuiteError) as suite_info:
        load_tasks(f"browsergym:{benchmark}")
    assert "\n" not in str(suite_info.value)


def _webarena_task() -> Task:
    return Task(
        id="browsergym:webarena.0",
        suite="browsergym:webarena",
        site="webarena",
        goal="",
        start_url="about:blank",
        meta={"gym_id": "browsergym/webarena.0", "benchmark": "webarena"},
    )


@pytest.mark.skipif(not browsergym_available(), reason="BrowserGym runs in .venv-bg")
async def test_episode_fails_before_gym_make_without_servers(
    clean_env: pytest.MonkeyPatch,
) -> None:
    import forethought.envs.browsergym as bg

    made: list[str] = []
    clean_env.setattr(bg, "_import_benchmark", lambda benchmark: None)  # as if installed
    clean_env.setattr(bg, "find_chromium", lambda: made.append("browser") or "/nonexistent")
    env = bg.BrowserGymEnv()
    try:
        with pytest.raises(BrowserGymNotConfigured, match="WA_HOMEPAGE") as info:
            await env.reset(_webarena_task())
        assert "\n" not in str(info.value)
        assert made == []  # it stopped before starting anything
    finally:
        await env.close()


def test_browsergym_tasks_get_browsergyms_env_not_make_setup(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The eval path (Agent -> SuiteEnvs) never asks make_setup, which refuses these tasks."""

    def refuse(task: Task) -> None:
        raise AssertionError("make_setup was called for a BrowserGym task")

    task = _webarena_task()
    with pytest.raises(SuiteError, match="BrowserGymEnv"):
        suites.make_setup(task)  # it is only for the browser env
    monkeypatch.setattr(suites, "make_setup", refuse)
    if not browsergym_available():
        with pytest.raises(BrowserGymUnavailable, match="not installed"):
            SuiteEnvs()(task, tmp_path)
        return
    from forethought.envs.browsergym import BrowserGymEnv

    assert isinstance(SuiteEnvs()(task, tmp_path), BrowserGymEnv)


@pytest.mark.slow
@pytest.mark.skipif(not browsergym_available(), reason="BrowserGym runs in .venv-bg")
async def test_unreachable_servers_are_one_line(clean_env: pytest.MonkeyPatch) -> None:
    """Variables set, servers down: Playwright's multi-line error becomes one line."""
    from browsergym.core.registration import register_task
    from browsergym.core.task import AbstractBrowserTask

    import forethought.envs.browsergym as bg

    with socket.socket() as sock:  # a port nothing listens on once this closes
        sock.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{sock.getsockname()[1]}/"

    class Unreachable(AbstractBrowserTask):
        """A stand-in for a WebArena task whose site is down."""

        @classmethod
        def get_task_id(cls) -> str:
            return "webarena.unreachable"

        def setup(self, page):
            page.goto(down, timeout=5000)
            return "goal", {}

        def validate(self, page, chat_messages):
            return 0.0, False, "", {}

    register_task("webarena.unreachable", Unreachable)
    for name in WEBARENA:
        clean_env.setenv(name, down)
    clean_env.setattr(bg, "_import_benchmark", lambda benchmark: None)
    task = _webarena_task().model_copy(
        update={"meta": {"gym_id": "browsergym/webarena.unreachable", "benchmark": "webarena"}}
    )
    env = bg.BrowserGymEnv()
    try:
        with pytest.raises(BrowserGymUnavailable) as info:
            await env.reset(task)
    finally:
        await env.close()
    message = str(info.value)
    assert "\n" not in message
    assert "ERR_CONNECTION_REFUSED" in message and "WebArena's sites" in message


def test_eval_checks_the_servers_once_before_it_starts(clean_env: pytest.MonkeyPatch) -> None:
    """``eval`` calls this before starting the model server (one line, not N error rows)."""
    with pytest.raises(SuiteError, match=r"set WA_SHOPPING, .*see the BrowserGym section"):
        suites.check_ready("browsergym:webarena")
    suites.check_ready("browsergym:miniwob")  # needs no servers of its own
    suites.check_ready("builtin")
