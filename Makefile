# Two commands get a new user from clone to result:
#   make demo   set up, render the bundled example spec and prove it (callalert check: promtool + amtool)
#   make test   set up and run the whole test suite (the same command CI runs)
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MIN_VENV ?= .venv-min
MIN_BIN := $(MIN_VENV)/bin
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
OUT ?= out
SPEC ?= specs/call-automation.yaml

.PHONY: setup tools browser node venv demo test test-min check-code bench clean

setup: venv tools

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# promtool, amtool, prometheus and alertmanager from three Debian suites, side by side in .tools/
# (bookworm 2.42/0.25, trixie 2.53/0.28, sid 3.5/0.33), without touching the system's packages; and the
# system's time zone database, which they and callalert read a time interval's `location` from (a minimal
# Debian image has none: then every time zone is unknown to amtool and to callalert alike)
tools:
	@[ -e /usr/share/zoneinfo/Europe/Madrid ] || { \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tzdata; }
	scripts/install-toolchains.sh

# headless Chromium (Debian's `chromium`, Debian 12 and 13) and a font, for the test that opens
# `callalert report --format html` in a real browser; skipped when chromium is already there
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; }

# the Node.js tools the tests drive for real (tools/node, package-lock.json committed): mermaid-cli, which
# draws the route-tree diagrams in Debian's chromium, and yaml-language-server, which reads the spec's JSON
# Schema as an editor does; and Graphviz's dot for `routes show --format dot`. Node.js and npm come from
# Debian when missing (Debian 12: Node 18, Debian 13: Node 20); puppeteer downloads no browser of its own
node: browser
	@{ command -v dot && command -v node && command -v npm; } >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends graphviz \
			$$(command -v node >/dev/null 2>&1 || echo nodejs) $$(command -v npm >/dev/null 2>&1 || echo npm); }
	@[ tools/node/node_modules/.package-lock.json -nt tools/node/package-lock.json ] || \
		{ cd tools/node && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error; }

demo: setup
	$(BIN)/callalert validate $(SPEC)
	$(BIN)/callalert render $(SPEC) --out $(OUT)
	$(BIN)/callalert check $(SPEC) --out $(OUT)

test: setup browser node check-code test-min
	$(BIN)/python -m pytest

# types, lint, format and the import-layer contract (docs/architecture.md): zero findings
check-code: venv
	$(BIN)/ruff check callalert tests bench scripts
	$(BIN)/ruff format --check callalert tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

# The declared floors are true: a fresh virtualenv with every direct dependency (and every test
# extra) at exactly the lowest version pyproject.toml allows (scripts/lowest-constraints.py; what
# they depend on resolves to the newest that fits), then the code gates and the tests that need no
# promtool/amtool (packaging's too: build and pipx at their floors). A floor that fails here is
# raised in pyproject.toml, with the reason beside it.
test-min:
	rm -rf $(MIN_VENV)
	$(PY) -m venv $(MIN_VENV)
	$(PY) scripts/lowest-constraints.py --extra test > $(MIN_VENV)/constraints.txt
	$(MIN_BIN)/pip install --quiet -c $(MIN_VENV)/constraints.txt -e '.[test]'
	$(MIN_BIN)/pip freeze --exclude-editable > $(MIN_VENV)/installed.txt
	$(MIN_BIN)/python scripts/lowest-constraints.py --extra test --check $(MIN_VENV)/installed.txt
	$(MIN_BIN)/ruff check callalert tests bench scripts
	$(MIN_BIN)/ruff format --check callalert tests bench scripts
	$(MIN_BIN)/mypy --cache-dir $(MIN_VENV)/.mypy_cache
	$(MIN_BIN)/lint-imports
	$(MIN_BIN)/python -m pytest -p no:cacheprovider tests/unit tests/golden tests/invalid tests/packaging

bench: setup
	$(BIN)/python bench/bench.py

clean:
	rm -rf $(OUT) build dist *.egg-info .pytest_cache .hypothesis $(MIN_VENV)
