# Shortcuts; the two commands of README.md work without make.
PYTHON ?= .venv/bin/python

.PHONY: run test lint bench load graph messages

run:
	python3.11 dev.py run

test:
	python3.11 dev.py test

lint:
	$(PYTHON) -m ruff check . && $(PYTHON) -m ruff format --check . && $(PYTHON) -m mypy . && \
	$(PYTHON) manage.py makemigrations --check --dry-run

# Every performance budget on PostgreSQL at 10,000 and 100,000 customers, each beside its raw floor.
# It installs what it needs first (the `bench` extra), so it works right after `python3.11 dev.py run`.
bench:
	python3.11 dev.py bench --sizes 10000,100000 --output bench/results.json --docs docs/benchmarks.md

# The load test (bench/load/): 50 users for 3 minutes against the production shape on loopback (gunicorn with the
# production settings, PostgreSQL with 100,000 customers, Redis, a worker and the scheduler), beside the stock admin;
# writes bench/load-results.json and the "Load test" section of docs/benchmarks.md. Installs the `bench` extra first.
load:
	python3.11 dev.py load --users 50 --seconds 180 --output bench/load-results.json --docs docs/benchmarks.md

# docs/state-diagram.md, generated from the code (Graphviz users: manage.py graph_transitions connections.Connection).
graph:
	$(PYTHON) manage.py state_diagram > docs/state-diagram.md

# Extract the strings, merge the Dutch waiting in locale/nl/pending/*.json, compile (needs gettext's msgfmt).
messages:
	$(PYTHON) manage.py makemessages -l nl --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(PYTHON) locale/merge_pending.py
	$(PYTHON) manage.py compilemessages --ignore=.venv
