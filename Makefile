# Vigil — build, test and run on Debian. Every target installs what it needs first.
SWIFT ?= swift
SAMPLE_DIR ?= vigil-data

.PHONY: deps test-deps build test run release clean

deps:
	scripts/install-deps.sh

test-deps:
	scripts/install-deps.sh --test

build: deps
	$(SWIFT) build

# The whole suite, against real SQLite and a throw-away PostgreSQL cluster. CI runs this.
test: test-deps
	$(SWIFT) build --build-tests
	scripts/with-postgres.sh $(SWIFT) test --skip-build

release: deps
	$(SWIFT) build -c release

# Until `vigil serve` exists, the main job: hash a generated photo-like sample, bank it, match it.
run: build
	mkdir -p $(SAMPLE_DIR)
	convert -size 640x480 -seed 42 plasma:fractal $(SAMPLE_DIR)/sample.jpg
	$(SWIFT) run vigil hash --format json $(SAMPLE_DIR)/sample.jpg
	$(SWIFT) run vigil bank show demo --data-dir $(SAMPLE_DIR) >/dev/null 2>&1 || \
	  ( $(SWIFT) run vigil bank create demo --data-dir $(SAMPLE_DIR) && \
	    $(SWIFT) run vigil bank import demo $(SAMPLE_DIR)/sample.jpg --data-dir $(SAMPLE_DIR) )
	$(SWIFT) run vigil match --enhanced $(SAMPLE_DIR)/sample.jpg --data-dir $(SAMPLE_DIR) || test $$? -eq 1

clean:
	rm -rf .build
