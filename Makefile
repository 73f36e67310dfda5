# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# `make run` is the try-it path: debug pages, mail written to var/mail/ by the
# task worker that runs beside the server (config/run.sh).
RUN_ENV ?= DEBUG=1

A11Y_TOOLS := tests/a11y/node_modules/.installed

.PHONY: run test lint fmt migrations-check ci serve bench clean-venv chromium java

$(BIN)/.installed: requirements.txt requirements-dev.txt constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
		echo "Python 3.12 or newer is needed; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
		echo "Install 3.12 (pyenv reads .python-version) or run: make PYTHON=python3.12"; \
		exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $@

run: $(BIN)/.installed
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py seed_demo --if-empty
	$(RUN_ENV) bash config/run.sh $(BIN)/python 127.0.0.1:$(PORT)

test: $(BIN)/.installed chromium java $(A11Y_TOOLS)
	$(BIN)/pytest $(PYTEST_ARGS)

# Browser tests drive Debian's Chromium; install it when missing and allowed to.
chromium:
	@command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || { \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "Chromium could not be installed: browser tests will skip (and fail in CI)."

# The Nu HTML Checker runs on Java, from Debian's packages.
java:
	@command -v java >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || { \
		echo "Installing Debian's default-jre-headless for the HTML checker..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; } \
		|| echo "Java could not be installed: HTML checks will skip (and fail in CI)."

# axe-core and vnu-jar, pinned in tests/a11y/package-lock.json. --ignore-scripts:
# vnu-jar's install script would download a Java runtime; Debian's is used instead.
$(A11Y_TOOLS): tests/a11y/package.json tests/a11y/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/a11y --no-audit --no-fund --ignore-scripts --silent && touch $@; \
	else echo "npm missing: accessibility and HTML checks will skip (and fail in CI)."; fi

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

fmt: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: $(BIN)/.installed
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

# Production-style serving (DEBUG off): gunicorn with config/gunicorn.py (workers
# from the cores), whitenoise for hashed, compressed static files. SECRET_KEY and
# ALLOWED_HOSTS must be set; see README ("Serving") and docs/deploy.md. The task
# worker that sends the mail runs beside it: `manage.py db_worker`, and
# `manage.py send_pending_mail` from a timer (docs/deploy.md, "Task worker").
serve: $(BIN)/.installed
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/python manage.py migrate --noinput
	BIND=$${BIND:-127.0.0.1:$(PORT)} $(BIN)/gunicorn config.wsgi -c config/gunicorn.py

# The load benchmark: bench/README section in README.md; writes bench/RESULTS.md.
bench: $(BIN)/.installed
	bash bench/run.sh

ci:
	bash .ci/run

clean-venv:
	rm -rf $(VENV)
