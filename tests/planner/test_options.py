"""Planner options: unknown keys name the nearest valid one; the world-model formats."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import ValidationError

from forethought.planner import PRESETS, PlannerOptions, StrictModel, WMFormat


def test_unknown_key_names_the_nearest_option() -> None:
    with pytest.raises(
        ValidationError, match=re.escape("unknown option 'candidate'; did you mean 'candidates'?")
    ):
        PlannerOptions(candidate=3)  # type: ignore[call-arg]


def test_unknown_key_without_a_close_match_lists_the_options() -> None:
    with pytest.raises(ValidationError) as caught:
        PlannerOptions.model_validate({"zzz": 1})
    message = str(caught.value)
    assert "unknown option 'zzz'; valid options: " in message
    assert "aggregate, agree_tolerance, algorithm, beam_width" in message and "wm_format" in message


def test_every_unknown_key_is_named() -> None:
    with pytest.raises(ValidationError) as caught:
        PlannerOptions.model_validate({"dept": 2, "iteration": 8, "depth": 2})
    message = str(caught.value)
    assert "'dept'; did you mean 'depth'?" in message
    assert "'iteration'; did you mean 'iterations'?" in message


def test_preset_override_with_a_wrong_key_names_the_nearest() -> None:
    with pytest.raises(
        ValueError, match=re.escape("unknown option 'budget_sim'; did you mean 'budget_sims'?")
    ):
        PlannerOptions.preset("mcts", budget_sim=4)
    assert PlannerOptions.preset("mcts", budget_sims=4).budget_sims == 4
    with pytest.raises(ValueError, match="unknown planner preset 'mtcs'"):
        PlannerOptions.preset("mtcs")


def test_strict_model_is_reusable() -> None:
    class Config(StrictModel):
        max_steps: int = 8
        gate: bool = True

    assert Config(max_steps=3).max_steps == 3
    with pytest.raises(
        ValidationError, match=re.escape("unknown option 'max_step'; did you mean 'max_steps'?")
    ):
        Config.model_validate({"max_step": 3})
    with pytest.raises(ValidationError, match="valid options: gate, max_steps"):
        Config.model_validate({"speed": 3})


def test_wm_format_is_one_enum_serialised_as_text() -> None:
    from forethought.worldmodel.predictions import WMFormat as PredictionFormat

    assert PredictionFormat is WMFormat
    assert [f.value for f in WMFormat] == ["diff", "nl", "full"]
    options = PlannerOptions(wm_format="nl")  # type: ignore[arg-type]
    assert options.wm_format is WMFormat.NL
    assert json.loads(options.model_dump_json())["wm_format"] == "nl"
    assert options.model_dump()["wm_format"] == "nl"
    assert PlannerOptions.model_validate(options.model_dump()) == options
    assert PRESETS["webdreamer"].wm_format is WMFormat.NL
    with pytest.raises(ValidationError):
        PlannerOptions(wm_format="html")  # type: ignore[arg-type]
