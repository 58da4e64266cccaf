# `make run` and `make test` work on a fresh machine with only python3 (3.11+) and pip:
# the virtual environment is created and refreshed whenever pyproject.toml changes.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench soak eval validate clean poster-example

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
	$(PY) -m bot communes
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .

eval: $(STAMP)
	$(PY) -m bot eval --all

validate: $(STAMP)
	$(PY) -m bot validate
	$(PY) -m bot communes

bench: $(STAMP)
	$(PY) bench/bench_search.py
	$(PY) bench/bench_telegram.py
	$(PY) bench/bench_zalo.py

soak: $(STAMP)
	$(PY) bench/bench_soak.py

# The poster shown in README.md: a made-up office, bot name and address (".example" is reserved, RFC 2606).
poster-example: $(STAMP)
	OFFICE_NAME="UBND xã Ví Dụ" WEB_CHAT_URL=https://tro-ly-so.example/ ZALO_OA_LINK= $(PY) -m bot poster \
		--sector can-cuoc --bot-username ten_bot_cua_xa_bot --width 700 -o docs/poster-example.png
# README pictures (docs/*.png), regenerated from the real app in headless Chromium, not by hand.
.PHONY: screenshots
screenshots: $(STAMP)
	bash scripts/ensure-chromium.sh
	$(PY) scripts/screenshots_dashboard.py docs
	SCREENSHOT_DIR=docs $(PY) -m pytest -q tests/test_web_chat_browser.py -k screenshot  # the web chat on a phone

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
