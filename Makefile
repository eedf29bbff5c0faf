# Two commands do all set-up: `make demo` and `make test`. Both create and reuse .venv.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Installed before the project, so that megatron-core (a test dependency) finds torch and
# pip keeps it: pin the build you want (a CPU build is enough for the tests).
TORCH ?= torch==2.13.0

.PHONY: demo test imports browser mutation clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet '$(TORCH)'
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/leam demo

test: $(STAMP) imports browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q

# Headless Chromium for tests/test_audit_browser.py, which renders the audit report as a
# reviewer sees it: Debian's packages, installed when missing (as root, or through sudo).
# Where they cannot be installed the browser tests skip and say why (pytest -rs).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif command -v apt-get >/dev/null; then \
	  $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium chromium-driver \
	  || echo "chromium could not be installed: the browser tests will be skipped"; \
	else echo "no apt-get: install chromium and chromedriver, or the browser tests skip"; fi

# The layer contract (pyproject's [tool.importlinter]), read from the source tree. Its root
# packages are leam's portions (leam.corpus, leam.pipelines...): `leam` itself has no folder
# of its own, so plain `lint-imports` in the repository works as `make imports` does.
imports: $(STAMP)
	$(VENV)/bin/lint-imports

# Mutation testing (slow, not part of `make test`): every group, or GROUPS="crawl dedup".
# Incremental: build/mutation/<group>/ keeps mutmut's results between runs.
GROUPS ?= quality lists pii langid dedup crawl runrecord writers
mutation: $(STAMP)
	nice -n 15 $(PY) bench/mutation.py $(GROUPS)

clean:
	rm -rf runs/demo
