# The two commands: `make report` and `make test`. Both set up .venv from pyproject.toml first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
ARGS ?=

.PHONY: setup browser report check test lab docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Chart images (PNG for the Markdown report) and the browser checks need Debian's chromium, and a
# CJK font for Chinese labels. Best effort: without root or a package mirror the report says where
# the interactive charts are instead.
BROWSER_PACKAGES := chromium fonts-wqy-microhei fonts-noto-color-emoji
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi wqy && fc-list 2>/dev/null | grep -qi emoji; } || { [ "$$(id -u)" = 0 ] && \
		command -v apt-get >/dev/null 2>&1 && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null) \
		|| echo "note: chromium not installed; chart images and browser checks are skipped"; }

report: $(STAMP) browser
	$(BIN)/repodigest report $(ARGS)

# Lint, format and types (pyproject.toml's [tool.ruff] and [tool.mypy]): a finding fails `make test`
# before the tests run. Seconds, once mypy's cache (.mypy_cache) is warm.
check: $(STAMP)
	$(BIN)/ruff check lib tests bench
	$(BIN)/ruff format --check lib tests bench
	$(BIN)/mypy

# Bytecode caches are written whatever the environment says (PYTHONDONTWRITEBYTECODE): every kernel,
# command and worker a test starts then reads the library and pytest's rewritten test modules compiled.
test: check browser
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

# docs/reference from the code, then the pages as a site in site/ (tests/test_docs.py checks both).
docs: $(STAMP)
	$(BIN)/python -m repodigest.reference --write docs/reference
	$(BIN)/python -m mkdocs build --strict

bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[bench]'
	@for script in local_ingest history_load report_e2e github_fetch pr_context llm_latency; do \
		echo "== bench/$$script.py"; $(BIN)/python bench/$$script.py || exit 1; done

clean:
	rm -rf $(VENV) outputs/20* outputs/index.html site
