# make run   set up a virtual environment, migrate, provision the demo district with a few
#            weeks of generated school life, serve :5000
# make test  run the whole test suite (SQLite and in-process jobs unless told otherwise)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Every module under plugins/<name>/ with a pyproject.toml is its own distribution; all of them
# are installed (editable) with core, so a new module is picked up without touching this file.
# The stamp changes when any of these files changes or a module comes or goes.
MODULES := $(sort $(wildcard plugins/*/pyproject.toml))
STAMP := $(VENV)/.installed-$(shell echo $(MODULES) | cat - pyproject.toml $(MODULES) | cksum | cut -d' ' -f1)

.PHONY: install run test lint htmx

# htmx is fetched from the npm registry (pinned, checksum-verified) and served by the app
# itself; pages work without it, only less smoothly. The script does nothing when the file
# present matches htmx.sha256, so it runs on every target and only fetches when needed.
$(STAMP): pyproject.toml $(MODULES)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]' \
		$(foreach module,$(MODULES),-e ./$(dir $(module)))
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) htmx

htmx:
	@sh deploy/fetch-htmx.sh

# HOUQIN_DEMO=1 marks this deployment as a demo: `houqin demo` fills the demo district with a
# few weeks of school life (once: it leaves a school that has it), and the sign-in page lists
# the demo accounts. Production never sets it (core/demo/__init__.py says what else it checks).
run: $(STAMP) htmx
	$(BIN)/houqin db upgrade
	$(BIN)/houqin tenants apply tenants/manifests/demo-district.toml
	HOUQIN_DEMO=1 $(BIN)/houqin demo tenants/manifests/demo-district.toml
	HOUQIN_DEMO=1 $(BIN)/houqin run --host 127.0.0.1 --port 5000

test: $(STAMP) htmx
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
