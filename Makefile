# The README's commands. Everything bootstraps .venv from a bare Python 3.11.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TRAIN_STAMP := $(VENV)/.train-installed

.PHONY: demo test lint bench probe mutate train clean install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/charter demo

# One worker per core (at most 4): each starts what it needs (its own PostgreSQL).
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --maxprocesses 4 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check sdk monitor_tui tests bench examples
	$(BIN)/ruff format --check sdk monitor_tui
	$(BIN)/mypy

# Retrain the safety classifier from policies/signals/train (deterministic: same bytes on
# the same machine). Installs the `train` extra (PyTorch CPU) first; scoring never needs it.
$(TRAIN_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[all,dev,train]'
	touch $(TRAIN_STAMP)

train: $(TRAIN_STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=2 $(BIN)/charter signals train --threads 2 \
		--checkpoint .charter/train-checkpoint

bench: $(STAMP)
	$(BIN)/python -m bench

# Hostile OTLP clients and kill -9 / SIGTERM loops; prints what survived (not part of test).
probe: $(STAMP)
	$(BIN)/python -m bench.probe

# Mutation testing of the guard's leak and deny paths; slow, not part of `make test`/CI.
mutate: $(STAMP)
	$(BIN)/python -m bench.mutate

clean:
	rm -rf $(VENV) .charter .pytest_cache .mypy_cache .ruff_cache
