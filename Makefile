# The two commands of the README, for a fresh Debian/Ubuntu machine:
#   make run    set up PostgreSQL, Redis, the virtualenv, the databases and the demo data,
#               then serve the portal on http://127.0.0.1:5000 with the harvest consumers,
#               the jobs worker and the periodic harvest runner
#   make test   the same setup on the test databases, then the whole test suite in
#               $(TEST_WORKERS) parallel pytest-xdist workers, each on its own databases
#               (tests/workers.py derives their inis from config/test.ini)
SHELL := /bin/bash
CKAN := .venv/bin/ckan
DEV_INI := config/development.ini
TEST_INI := config/test.ini
TEST_WORKERS := 2

.PHONY: run test setup services venv browser bench

# The harvest gather and fetch consumers, the jobs worker and a periodic `ckan harvester run`
# run beside the web server (logs in var/log/); Ctrl-C stops them all (config/serve.sh).
run: setup
	config/serve.sh $(DEV_INI) 127.0.0.1 5000

setup: services venv $(DEV_INI)
	config/setup.sh database $(DEV_INI)
	@echo "==> loading the demo data (idempotent)"
	$(CKAN) -c $(DEV_INI) datong demo load

test: services venv browser
	config/setup.sh database $(TEST_INI)
	inis=$$(.venv/bin/python -m tests.workers $(TEST_INI) $(TEST_WORKERS)) && \
	  for ini in $$inis; do config/setup.sh database "$$ini" || exit 1; done
	.venv/bin/pytest --ckan-ini=$(TEST_INI) -n $(TEST_WORKERS)

bench: services venv
	config/setup.sh database $(TEST_INI)
	.venv/bin/python bench/search.py

services:
	config/setup.sh services

venv:
	config/setup.sh venv

browser:
	config/setup.sh browser

# Written once, with a new secret key; never overwritten: when the template is newer, the
# settings that differ are listed and your file is kept (config/setup.sh ini).
$(DEV_INI): config/development.ini.tmpl
	@config/setup.sh ini $< $@
