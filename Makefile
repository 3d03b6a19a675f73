# Two commands set up everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-db test-db-pages test-db-live lint format validate selftest selftest-slow clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Any change to one of the requirement files reinstalls (requirements.txt includes the other two).
REQUIREMENTS := requirements.txt requirements-site.txt requirements-grader.txt

$(VENV)/.installed: $(REQUIREMENTS) | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(REQUIREMENTS) | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(BIN)/python scripts/devstack.py

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

validate: $(VENV)/.installed
	$(BIN)/python -m grader validate

# Every coding sample on 5 seeds in `make test`; 50 in the slow run (`.ci/run` runs it when CI_SELFTEST_SLOW=1).
SELFTEST_SEEDS ?= 5

# The stamp tells .ci/run that the selftest is over, and the PostgreSQL pass may start beside pytest.
selftest: $(VENV)/.installed
	$(BIN)/python -m grader selftest --seeds $(SELFTEST_SEEDS)
	touch $(VENV)/.selftest-passed

selftest-slow: $(VENV)/.installed
	$(BIN)/python -m grader selftest --seeds 50

# The suites that run through Django's test client come first: .ci/run starts the PostgreSQL
# run of the same (test-db-pages) beside them, and neither has a clock to miss.
TEST_ORDER := tests/unit tests/web tests/security tests/integration tests/browser
test: $(VENV)/.dev-installed lint validate selftest
	$(BIN)/python -m pytest $(TEST_ORDER) $(PYTEST_ARGS)

# The tests that touch the database, for a second run on another one (.ci/run: PostgreSQL);
# lint, the selftest, the sandbox and the hostile suites read no database and run once, in `test`.
# The browser tests run again too, except those marked page_audit (axe, CSP, layout, keyboard,
# the editor's own behaviour, the chart): they check what the browser draws, which no database
# changes. A new browser test runs on both databases unless it is marked so.
# test-db is both halves: the pages through Django's test client (test-db-pages), and what runs
# real workers, Redis and a browser (test-db-live).
DB_PAGE_TESTS := tests/web
DB_LIVE_TESTS := tests/browser tests/integration/test_celery_grading.py tests/integration/test_gpu.py \
	tests/integration/test_operations_live.py tests/integration/test_review_race.py \
	tests/integration/test_similarity_worker.py tests/integration/test_regrade_worker.py \
	tests/integration/test_welcome_mail_worker.py tests/integration/test_nothing_lost.py tests/integration/test_health_live.py
test-db: $(VENV)/.dev-installed
	$(BIN)/python -m pytest $(DB_PAGE_TESTS) $(DB_LIVE_TESTS) -m "not page_audit" $(PYTEST_ARGS)

test-db-pages: $(VENV)/.dev-installed
	$(BIN)/python -m pytest $(DB_PAGE_TESTS) $(PYTEST_ARGS)

test-db-live: $(VENV)/.dev-installed
	$(BIN)/python -m pytest $(DB_LIVE_TESTS) -m "not page_audit" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
