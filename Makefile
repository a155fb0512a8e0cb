# make run   set up a virtual environment, migrate, provision the demo district with a few
#            weeks of generated school life, serve :5000
# make test  run the whole test suite (SQLite and in-process jobs unless told otherwise)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: install run test lint htmx

# htmx is fetched from the npm registry (pinned, checksum-verified) and served by the app
# itself; pages work without it, only less smoothly. The script does nothing when the file
# present matches htmx.sha256, so it runs on every target and only fetches when needed.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
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
