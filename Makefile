# Two commands for a newcomer: `make run` and `make test`. Python 3.11+ is all they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run port-free test install lint demo bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# axe-core, which the browser tests inject into every page they check (package.json); skipped without npm.
AXE := node_modules/.package-lock.json
NPM := $(shell command -v npm 2>/dev/null)
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --silent

install: $(STAMP) $(if $(NPM),$(AXE))

PORT ?= 8000
# Links in emails point to where the server runs: localhost, not 127.0.0.1, since browsers make passkeys only for a
# domain name.
RUN_ENV := DEBUG=1 COCKPIT_BASE_URL=http://localhost:$(PORT)

## Set up, migrate, load the demo data and serve the cockpit on SQLite at http://localhost:$(PORT)/ (make run PORT=8001)
run: port-free $(STAMP) demo-data
	@echo "Cockpit runs at http://localhost:$(PORT)/  (stop with Ctrl-C; emails appear in this console)"
	@# The worker that sends emails and SMS codes from the queue runs beside the server and stops with it.
	$(RUN_ENV) $(BIN)/python manage.py db_worker --no-reload & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## The worker that sends queued emails and SMS codes (outbox/services.py); in production run it beside gunicorn
.PHONY: worker
worker: $(STAMP)
	$(BIN)/python manage.py db_worker --no-reload

# The database migrated quietly and the demo data seeded: the demo logins are the first lines a newcomer reads.
.PHONY: demo-data
demo-data: $(STAMP)
	@mkdir -p var
	@$(RUN_ENV) $(BIN)/python manage.py migrate --noinput --verbosity 0
	@$(RUN_ENV) $(BIN)/python manage.py seed_demo

# Before the install, migration and seeding, not after: a taken port should fail at once.
port-free:
	@$(PYTHON) -c "import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); \
	sys.exit(0) if s.connect_ex(('127.0.0.1', $(PORT))) else sys.exit('Port $(PORT) is taken: choose another, e.g. make run PORT=8001')"

## The whole test suite (DATABASE_URL selects the database; SQLite in memory by default)
# One worker per core (pytest-xdist), each with its own test database, an idle worker taking tests from a busy one;
# TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
test: $(STAMP) $(if $(NPM),$(AXE))
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

## The access benchmark on PostgreSQL (docs/benchmark.md); the database must exist. Quick run: make bench BENCH_ARGS=--small
bench: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cockpit_bench
bench: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python -m tools.bench_access $(BENCH_ARGS)

## Style, types (mypy with django-stubs) and the layering contract (entities <- accounts <- sharing <- cockpit)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## The load benchmark of the real server: gunicorn on PostgreSQL with the bench data, under Locust (docs/benchmark.md)
# Seeds the bench data set first when it is missing (several minutes, once). LOADTEST_ARGS="--duration 30" and the like.
.PHONY: loadtest
loadtest: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cockpit_bench
loadtest: $(STAMP)
	$(BIN)/pip install --quiet -r requirements-bench.txt
	$(BIN)/python -m tools.loadtest --create-database
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python -m tools.bench_access --seed-only
	$(BIN)/python -m tools.loadtest $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules var staticfiles test-artifacts .pytest_cache .ruff_cache .mypy_cache .import_linter_cache

## The sign-in limits against gunicorn with the production configuration, on PostgreSQL (tools/check_login_limits.py); Redis: make check-login-limits CHECK_LOGIN_LIMITS_ARGS="--store redis"
.PHONY: check-login-limits
check-login-limits: $(STAMP)
	$(BIN)/python -m tools.check_login_limits $(CHECK_LOGIN_LIMITS_ARGS)

## /healthz against gunicorn with the production settings: 200 with PostgreSQL, 503 at once without it (tools/check_health.py)
# CHECK_HEALTH_ARGS=--restart-postgres also restarts this machine's PostgreSQL under four clients: 503s, then recovery
.PHONY: check-health
check-health: $(STAMP)
	$(BIN)/python -m tools.check_health $(CHECK_HEALTH_ARGS)
