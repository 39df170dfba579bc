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

.PHONY: run test bench setup python-deps vendor zbar translations instance clean

setup: python-deps vendor zbar translations

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

translations/zh/LC_MESSAGES/messages.mo: translations/zh/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -d translations

translations: translations/zh/LC_MESSAGES/messages.mo

# Instance config with fresh keys (never overwritten), migrated database, demo when empty.
instance: setup
	$(BIN)/checkpoint init
	$(BIN)/checkpoint seed-demo --if-empty

run: instance
	@$(BIN)/checkpoint demo-logins
	@if [ "$(HOST)" = "127.0.0.1" ] || [ "$(HOST)" = "localhost" ]; then \
		$(BIN)/checkpoint serve-info --host $(HOST) --port $(PORT); \
		exec $(BIN)/gunicorn --workers $(WORKERS) --threads $(THREADS) --bind $(HOST):$(PORT) \
			--access-logfile - wsgi:app; \
	else \
		$(BIN)/checkpoint tls-cert; \
		$(BIN)/checkpoint serve-info --host $(HOST) --port $(PORT) --https; \
		exec $(BIN)/gunicorn --workers $(WORKERS) --threads $(THREADS) --bind $(HOST):$(PORT) \
			--certfile instance/tls-cert.pem --keyfile instance/tls-key.pem \
			--access-logfile - wsgi:app; \
	fi

test: setup
	$(BIN)/pytest

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules $(VENDOR)
