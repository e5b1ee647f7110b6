# Two commands do all the set-up on a fresh machine:
#   make demo   the main job on the embedded default (model, planner, built-in site)
#   make test   the whole test suite
# Both are idempotent: finished steps (virtualenv, packages, browser, models) are skipped.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# BrowserGym pins Playwright 1.44: the browser env and the adapter are also tested there,
# and `forethought eval --suite browsergym:…` runs there (with the embedded model: `local`).
# The stamp names the extras, so changing them reinstalls.
BG     := .venv-bg
BG_EXTRAS := browsergym,miniwob,local,dev
comma  := ,
BG_STAMP := $(BG)/.installed-$(subst $(comma),-,$(BG_EXTRAS))
BG_TESTS := tests/envs/test_browser.py tests/envs/test_miniwob.py tests/envs/test_browsergym.py \
	tests/envs/test_browsergym_actions.py tests/envs/test_browsergym_setup.py \
	tests/envs/test_browsergym_eval.py
DEMO_MODEL ?= qwen2.5-coder-1.5b-instruct
TEST_MODEL ?= qwen2.5-coder-0.5b-instruct

.PHONY: demo test install install-bg browser lint

# The main job: the lookahead agent solves a built-in trap task with the embedded model,
# behind the safety gate (on a terminal it asks before an irreversible action).
DEMO_TASK ?= shop.cancel-order-1
demo: install browser
	$(BIN)/forethought models pull $(DEMO_MODEL)
	$(BIN)/forethought solve --task $(DEMO_TASK) --model $(DEMO_MODEL)

test: install install-bg browser
	$(BIN)/forethought models pull $(TEST_MODEL)
	$(BIN)/pytest
	$(BG)/bin/pytest $(BG_TESTS)

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# llama-cpp-python builds from source (~6 min on 2 cores); pip caches the wheel after that.
# On x86-64 its CPU code is built for AVX2, not for the building machine (-march=native):
# a native build on a Sapphire Rapids VM uses AMX and crashes on the first token
# (ggml-org/llama.cpp#20824), and a wheel pip cached on one machine must run on the next.
ifeq ($(shell uname -m),x86_64)
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON \
	-DGGML_F16C=ON -DGGML_BMI2=ON
endif
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[local,miniwob,ray,dev]'
	touch $@

install-bg: $(BG_STAMP)

$(BG)/bin/python:
	$(PYTHON) -m venv $(BG)
	$(BG)/bin/pip install -q --upgrade pip

# After .venv (ordered first), llama-cpp-python comes from pip's wheel cache: no second build.
$(BG_STAMP): pyproject.toml | $(BG)/bin/python $(STAMP)
	$(BG)/bin/pip install -e '.[$(BG_EXTRAS)]'
	touch $@

browser:
	@scripts/ensure-chromium.sh

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
