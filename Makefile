# Two commands for a fresh clone: `make run` (service with demo data on SQLite) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test lint bench

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app checklists load
	$(BIN)/flask --app app seed-demo
	SESSION_COOKIE_SECURE=false RUN_SCHEDULER_IN_PROCESS=true $(BIN)/flask --app app run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)
