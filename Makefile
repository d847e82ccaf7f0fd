# Vigil — build, test and run on Debian. Every target installs what it needs first.
SWIFT ?= swift
SAMPLE_DIR ?= vigil-data

.PHONY: deps test-deps build test run release package fuzz clean

deps:
	scripts/install-deps.sh

test-deps:
	scripts/install-deps.sh --test

build: deps
	$(SWIFT) build

# The whole suite, against real SQLite and a throw-away PostgreSQL cluster. CI runs this.
test: test-deps
	$(SWIFT) build --build-tests
	# Package.swift declares exactly what each target imports.
	SWIFT=$(SWIFT) scripts/check-imports.py
	# Routes and pages are handed the services they use, never the whole set.
	scripts/check-route-services.py
	# The Benchmarks package's programs still compile against this build (seconds; see the script).
	scripts/typecheck-benchmarks.sh
	# The suite takes 4-6 minutes; a run hung past 15 fails, naming the tests it left unfinished (see the script).
	SWIFT=$(SWIFT) scripts/with-postgres.sh scripts/swift-test-suite.sh
	# The dashboard in a real browser (headless chromium, selenium from PyPI): flows 1-8, about a minute.
	timeout 900 Tests/Browser/run.sh .build/debug/vigil
	# Every parser under libFuzzer for 10 s each from the committed seeds (its own instrumented build,
	# a few minutes the first time; see scripts/fuzz.sh).
	SWIFT=$(SWIFT) timeout 1800 scripts/fuzz.sh 10
	# The Debian package: built from this build, installed, started as its unit starts it, upgraded with
	# its data in place, removed and purged (about a minute; root or sudo).
	timeout 600 scripts/test-package.sh .build/debug/vigil
	# Every script in Benchmarks/ at a small size with this build (about 4 minutes): a benchmark that
	# no longer runs fails here, not on the day someone needs its numbers.
	timeout 1500 scripts/with-postgres.sh Benchmarks/smoke.sh .build/debug/vigil

release: deps
	$(SWIFT) build -c release

# The Debian package (dist/vigil_VERSION_ARCH.deb) from a release build, the Swift runtime it was
# linked with carried beside it (as the package test carries the debug build's); offline: dpkg-deb
# only. See README, "Running it in production".
package: deps
	scripts/install-deps.sh --package
	$(SWIFT) build -c release --product vigil
	scripts/package-deb.sh .build/release/vigil

# Set up and start the service on its embedded defaults: SQLite in ./vigil-data, 127.0.0.1:8080.
# The first start prints an admin API key once and creates the demo bank VIGIL_DEMO, with a curl
# command that matches one of its images.
run: build
	$(SWIFT) run vigil serve --data-dir $(SAMPLE_DIR)

# Every parser fuzzed for SECONDS seconds each: the list importers, NCMEC's XML, CyberTipline and
# PhotoDNA answers, workflow definitions, templates and conditions coverage-guided by libFuzzer
# (scripts/fuzz.sh: its own instrumented build in .build-fuzz, the committed seeds of Tests/Fuzz/),
# then the JSON and multipart bodies of every documented route through a whole server (the suite's
# seeded harness, timed, from a random seed it prints; VIGIL_FUZZ_SEED repeats it). A finding's
# input is left in fuzz-findings/TARGET/. The suite runs the harness for a fixed count from a
# fixed seed, and `make test` each libFuzzer target for 10 s.
SECONDS ?= 60
fuzz: test-deps
	SWIFT=$(SWIFT) scripts/fuzz.sh $(SECONDS)
	$(SWIFT) build --build-tests
	VIGIL_FUZZ_SECONDS=$(SECONDS) $(SWIFT) test --skip-build --no-parallel --filter 'BodyFuzzTests'

clean:
	rm -rf .build
