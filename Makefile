# The project's front door: `make run` serves the app, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
MO := translations/ja/LC_MESSAGES/messages.mo
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-postgres bench screenshots init translations extract-messages browser clean

run: init
	$(PY) app.py

test: init browser
	$(PY) -m pytest

# The same suite (browser tests aside) on a throwaway PostgreSQL server; needs Debian's postgresql.
test-postgres: init
	scripts/test-postgres

# Figures, not assertions: reminder dispatch throughput and reassurance latency on 127.0.0.1.
bench: init
	$(PY) scripts/bench.py

# Phone-sized screenshots of the trend page from demo data, shown in the README.
screenshots: init browser
	$(PY) scripts/screenshots.py

init: $(STAMP) $(MO)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,postgres]'
	touch $(STAMP)

$(MO): translations/ja/LC_MESSAGES/messages.po $(STAMP)
	$(VENV)/bin/pybabel compile --use-fuzzy -d translations -f
	@touch $(MO)

translations: $(MO)

# Refresh the catalogs after changing user-facing text; then translate the new entries.
extract-messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

# Browser tests drive Debian's Chromium; install it when it is missing and we may.
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing: install Debian's chromium package for the browser tests."; \
	  fi; \
	fi

clean:
	rm -rf $(VENV) $(MO)
