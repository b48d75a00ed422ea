# The two set-up commands: `make chat` (install, then talk to the tutor) and `make test` (install, lint and
# type-check, test).
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: install chat test lint bench

$(BIN)/tutor-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# the CPU build of torch first: a bare `torch` would pull a multi-GB CUDA build
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[slack,discord,test]"
	touch $@

install: $(BIN)/tutor-installed

chat: install
	$(BIN)/tutor chat

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy bot adapters tutor_cli

test: lint
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/tutor bench
