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

# Until `vigil serve` exists, the main job: hash a generated sample photo-like image.
run: build
	mkdir -p $(SAMPLE_DIR)
	convert -size 640x480 -seed 42 plasma:fractal $(SAMPLE_DIR)/sample.jpg
	$(SWIFT) run vigil hash --format json $(SAMPLE_DIR)/sample.jpg

clean:
	rm -rf .build
