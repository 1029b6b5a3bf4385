# evolvy-widget — two commands for a new user: `make demo` and `make test`.
# Every target installs what it needs and is missing (scripts/setup.sh).

PORT ?= 8787
DATA_DIR ?= $(CURDIR)/data
CHROMEDRIVER ?= /usr/bin/chromedriver
export PORT DATA_DIR

.PHONY: setup-fuzz demo test pkg package test-npm setup setup-test test-native test-fuzz test-wasm test-e2e bench bench-ua bench-widget fuzz fmt lint size

## Build the wasm package and run the local backend on http://127.0.0.1:$(PORT)/
demo: pkg
	cargo run -p evolvy-server

## Everything CI runs: native tests, a fuzz smoke run, browser tests in headless Chromium, end-to-end tests.
test: setup-test test-native test-fuzz test-wasm pkg test-e2e test-npm

setup:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

## Native unit, golden, conformance and server tests.
test-native:
	cargo test --workspace

## wasm-bindgen-test in headless Chromium (chromedriver from Debian).
test-wasm:
	CHROMEDRIVER=$(CHROMEDRIVER) cargo test -p evolvy-widget --target wasm32-unknown-unknown --test web

## End-to-end: real pages in headless Chromium against real HTTP servers on 127.0.0.1.
test-e2e:
	cargo build -p evolvy-server
	@if [ -d tests/e2e ] && ls tests/e2e/*.test.mjs >/dev/null 2>&1; then \
	  cd tests/e2e && EVOLVY_PKG_DIR=$(CURDIR)/pkg node --test --test-concurrency=1 ; \
	else echo "no end-to-end tests yet"; fi

## The npm package in pkg/ (wasm-pack, --target web), plus the script-tag widget's smaller build in
## pkg/widget/ (no `uaparser-unicode` or `sdk` feature: no regex crate, no npm-only exports, no name
## section, minified glue; see README).
pkg: setup
	wasm-pack build --release --target web --out-dir pkg --out-name evolvy_widget
	cargo build --release --target wasm32-unknown-unknown --lib -p evolvy-widget --no-default-features
	wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir pkg/widget \
	  target/wasm32-unknown-unknown/release/evolvy_widget.wasm
	scripts/node_modules/.bin/terser pkg/widget/evolvy_widget.js --module --compress passes=2 --mangle \
	  -o pkg/widget/evolvy_widget.js
	scripts/node_modules/.bin/terser www/sdk.js --compress passes=3,unsafe=true,toplevel=true --mangle toplevel=true -o pkg/sdk.min.js
	@scripts/size.sh pkg/evolvy_widget_bg.wasm pkg/evolvy_widget.js pkg/widget/evolvy_widget_bg.wasm \
	  pkg/widget/evolvy_widget.js pkg/sdk.min.js

## The publishable npm package from pkg/ (package.json, typed .d.ts, README), packed into target/npm/.
package: pkg
	scripts/package.sh pkg

## The packed package installed into a Vite 7 app: tsc (and a file that must fail), build, headless Chromium.
test-npm: package
	node tests/npm-consumer/run.mjs "$$(ls target/npm/evolvy-widget-*.tgz)"

## Raw, gzip and brotli size of the built module.
size:
	@scripts/size.sh pkg/evolvy_widget_bg.wasm pkg/widget/evolvy_widget_bg.wasm

bench: bench-ua bench-widget

## Widget: transfer sizes, click → visible, click → POST, long tasks on the host page.
bench-widget: pkg setup-test
	cargo build -p evolvy-server
	node bench/widget.mjs

bench-ua: pkg
	@if [ -f bench/ua.mjs ]; then cd bench && npm ci --no-audit --no-fund --silent && node ua.mjs; fi

## Fuzzing (cargo-fuzz, libFuzzer; fuzz/README.md): every target for FUZZ_SECONDS each (default 60),
## seeds and regression inputs replayed first; prints executions and findings per target.
FUZZ_SECONDS ?= 60
fuzz: setup-fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

## The CI smoke run of every fuzz target (FUZZ_SMOKE_SECONDS each, default 10), without ASan:
## the code under test is safe Rust, and the build is what costs CI time. Measured on 2 shared cores
## (load 4-6 from other builds): cargo-fuzz install 98 s, build 204-263 s, runs ~60 s.
FUZZ_SMOKE_SECONDS ?= 10
test-fuzz: setup-fuzz
	FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) FUZZ_NICE=0 FUZZ_BUILD_FLAGS=--sanitizer=none scripts/fuzz.sh

setup-fuzz:
	@scripts/setup.sh fuzz

fmt:
	cargo fmt --all

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p evolvy-widget --target wasm32-unknown-unknown -- -D warnings
