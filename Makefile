# Two commands on a fresh machine: `make run` and `make test`. Both create the virtual environment first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test eval bench lint clean teams-package

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/llamita serve

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

eval: $(STAMP)
	$(BIN)/python bench/run_eval.py

bench: $(STAMP)
	$(BIN)/python bench/brain_speed.py

# The Teams app package (manifest.json + icons) for the bot in CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID.
teams-package: $(STAMP)
	$(BIN)/python -m adapters.teams.package

clean:
	rm -rf $(VENV) .pytest_cache
