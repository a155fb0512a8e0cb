# make run   set up a virtual environment, migrate, provision the demo district, serve :5000
# make test  run the whole test suite (SQLite and in-process jobs unless told otherwise)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: install run test lint

# htmx is fetched from the npm registry at install time (pinned, checksum-verified) and
# served by the app itself; pages work without it, only less smoothly.
HTMX_VERSION := 2.0.8
HTMX_SHA256 := $(shell cat core/web/static/vendor/htmx.sha256 | cut -d' ' -f1)
HTMX := core/web/static/vendor/htmx.min.js

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) $(HTMX)

$(HTMX): core/web/static/vendor/htmx.sha256
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "npm not found: pages work without htmx, they only refresh instead of updating"; \
	else \
	  cd $(@D) && rm -rf package && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null \
	  && tar -xzf htmx.org-$(HTMX_VERSION).tgz package/dist/htmx.min.js package/LICENSE \
	  && mv package/dist/htmx.min.js htmx.min.js && mv package/LICENSE htmx.LICENSE \
	  && rm -rf package htmx.org-$(HTMX_VERSION).tgz && sha256sum -c htmx.sha256; \
	fi

run: $(STAMP) $(HTMX)
	$(BIN)/houqin db upgrade
	$(BIN)/houqin tenants apply tenants/manifests/demo-district.toml
	$(BIN)/houqin run --host 127.0.0.1 --port 5000

test: $(STAMP) $(HTMX)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
