# Two commands for a new user: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export OPEN311_HOST ?= 127.0.0.1
export OPEN311_PORT ?= 5000

.PHONY: run test stop setup system-packages venv database demo lint format openapi cities bench clean vendor

run: setup demo  ## Serve the Paris demo on http://$(OPEN311_HOST):$(OPEN311_PORT)/open311/v2/
	$(BIN)/open311 serve

test: setup  ## The whole test suite against its own database
	@scripts/ensure-system-packages --tests
	$(BIN)/pytest $(PYTEST_ARGS)

stop:  ## Stop the server and the private PostGIS cluster
	@[ -x $(BIN)/open311 ] && $(BIN)/open311 stop || true

setup: system-packages venv database

system-packages:
	@scripts/ensure-system-packages

venv: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $@

database: venv
	$(BIN)/open311 db up

demo: database
	$(BIN)/open311 load-demo --if-empty

bench: setup  ## City-scale benchmark (BENCH_REQUESTS=100000 for a quick run); writes bench/RESULTS.md
	bench/run

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

openapi: venv  ## Regenerate openapi.yaml from the code
	$(BIN)/open311 openapi openapi.yaml

cities: venv  ## Rebuild open311/cities/ from ../shared/data
	$(BIN)/python scripts/build_cities.py

vendor:  ## Re-install the dashboard's pinned JavaScript libraries (npm ci) and copy them into open311/web/static/vendor/
	cd web && npm ci --no-audit --no-fund && $(PYTHON) vendor.py

clean: stop
	rm -rf $(VENV) var
