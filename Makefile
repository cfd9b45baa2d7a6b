# Two commands: `make demo` runs the bundled example, `make test` runs every check.
# Each creates or reuses .venv and installs what it needs first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck unit slow install clean

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
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

# The slower suites (long simulations, every action x duty through both shells, the
# schema fuzzer): .ci/run runs them after `make test`.
slow: $(STAMP)
	$(BIN)/python -m pytest -m slow $(PYTEST_ARGS)

test: lint typecheck unit

clean:
	rm -rf $(VENV) .clearance demo-out .mypy_cache .ruff_cache .pytest_cache
