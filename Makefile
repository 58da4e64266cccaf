# `make run` and `make test` work on a fresh machine with only python3 (3.11+) and pip:
# the virtual environment is created and refreshed whenever pyproject.toml changes.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench soak eval validate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot run

test: $(STAMP)
	bash scripts/ensure-chromium.sh
	$(PY) -m ruff check .
	$(PY) -m bot validate
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .

eval: $(STAMP)
	$(PY) -m bot eval

validate: $(STAMP)
	$(PY) -m bot validate

bench: $(STAMP)
	$(PY) bench/bench_search.py
	$(PY) bench/bench_telegram.py

soak: $(STAMP)
	$(PY) bench/bench_soak.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Screenshots for the README, made by the browser tests (headless Chromium), never by hand.
.PHONY: screenshots
screenshots: $(STAMP)
	bash scripts/ensure-chromium.sh
	mkdir -p docs
	SCREENSHOT_DIR=docs $(PY) -m pytest -q tests/test_web_chat_browser.py -k screenshot
