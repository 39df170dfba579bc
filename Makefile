# Checkpoint: `make run` serves the demo, `make test` runs the suite. Each sets itself up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
THREADS ?= 4
VENDOR := static/vendor

.PHONY: run test bench setup python-deps vendor zbar proxy translations instance clean

setup: python-deps vendor zbar proxy translations

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Re-install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

python-deps: $(VENV)/.installed

# Front-end packages from npm, copied to what the app serves (no build step).
$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/barcode-detector
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js
	cp node_modules/idb/build/index.js $(VENDOR)/idb.js
	cp node_modules/barcode-detector/dist/es/ponyfill.js node_modules/barcode-detector/dist/es/zxing-exported.js $(VENDOR)/barcode-detector/
	cp node_modules/zxing-wasm/dist/reader/zxing_reader.wasm $(VENDOR)/zxing_reader.wasm
	mkdir -p $(VENDOR)/uuid  # v7 and the modules it imports (the phone's record ids)
	cp $(foreach f,v7 rng stringify validate regex,node_modules/uuid/dist/$(f).js) $(VENDOR)/uuid/
	touch $@

vendor: $(VENDOR)/.installed

# pyzbar needs Debian's libzbar0 (the scanner's fallback decoder).
zbar:
	@if ldconfig -p 2>/dev/null | grep -q 'libzbar\.so\.0'; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing libzbar0 (barcode fallback decoder)..."; \
		(apt-get install -y -qq libzbar0 >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq libzbar0 >/dev/null)) \
		|| echo "Could not install libzbar0; the zbar fallback stays off."; \
	else echo "libzbar0 is missing: run 'sudo apt-get install -y libzbar0' (the zbar fallback stays off until then)."; fi

# Caddy: the HTTPS reverse proxy in front of gunicorn for phones (make run HOST=0.0.0.0) and in
# production (deploy/). Plain `make run` on loopback does not need it.
proxy:
	@if command -v caddy >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing caddy (HTTPS reverse proxy for phones on the network)..."; \
		(DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy >/dev/null)) \
		|| echo "Could not install caddy; make run HOST=0.0.0.0 will not start until it is installed."; \
	else echo "caddy is missing: run 'sudo apt-get install -y caddy' (needed by make run HOST=0.0.0.0 only)."; fi

translations/zh/LC_MESSAGES/messages.mo: translations/zh/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -d translations

translations: translations/zh/LC_MESSAGES/messages.mo

# Instance config with fresh keys (never overwritten), migrated database, demo when empty.
instance: setup
	$(BIN)/checkpoint init
	$(BIN)/checkpoint seed-demo --if-empty

# Loopback: gunicorn over HTTP. Any other HOST: Caddy over HTTPS on PORT (LAN certificate),
# gunicorn behind it on loopback (server/serve.py starts, watches and stops both).
run: instance
	@$(BIN)/checkpoint demo-logins
	@exec $(BIN)/checkpoint serve --host $(HOST) --port $(PORT) --workers $(WORKERS) --threads $(THREADS)

# pytest-xdist: one worker per core (a test file stays on one worker); the suite mostly waits on
# browsers and servers. Each worker has its own PostgreSQL database (tests/conftest.py).
TEST_WORKERS ?= auto
# Bytecode written even where the environment says not to (PYTHONDONTWRITEBYTECODE): every
# server, worker and command the tests start would compile the app's modules again (~0.25 s each).
test: setup
	$(BIN)/ruff check .
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules $(VENDOR)
