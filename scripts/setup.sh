#!/usr/bin/env bash
# Installs what the build (and, with `test`, the test suite) needs and is missing. Idempotent; safe offline
# where everything is already present. Usage: scripts/setup.sh build|test|fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-build}"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# The wasm-bindgen version pinned in Cargo.lock; the CLI must match it exactly.
wb_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock
}

# cargo-fuzz (pinned) for `make fuzz` and the smoke run in `make test`. Its targets need nightly
# flags, unlocked on stable with RUSTC_BOOTSTRAP=1 (scripts/fuzz.sh), and a C++ compiler for libFuzzer.
CARGO_FUZZ_VERSION=0.13.2
setup_fuzz() {
  if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
    say "installing cargo-fuzz $CARGO_FUZZ_VERSION (about 1 minute)"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
  fi
  if ! command -v c++ >/dev/null 2>&1; then
    say "installing Debian's g++ (libFuzzer is C++)"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq g++ >/dev/null
  fi
}
if [ "$what" = fuzz ]; then
  setup_fuzz
  say "ready (fuzz)"
  exit 0
fi

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

[ -f Cargo.lock ] || cargo generate-lockfile
want="$(wb_version)"
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (about 2 minutes; --locked fails on this registry, so it is not passed)"
  cargo install wasm-bindgen-cli --version "$want"
fi

if ! command -v wasm-pack >/dev/null 2>&1; then
  say "installing wasm-pack (about 1.5 minutes)"
  cargo install wasm-pack --locked
fi

if [ ! -x scripts/node_modules/.bin/terser ]; then
  say "installing the build's npm tools (terser for the loader, binaryen's wasm-opt)"
  (cd scripts && npm ci --no-audit --no-fund --silent)
fi

if [ "$what" = test ]; then
  setup_fuzz
  if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    say "installing Debian's chromium and chromium-driver"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
  if [ ! -d tests/e2e/node_modules ] && [ -f tests/e2e/package.json ]; then
    say "installing the end-to-end test's npm packages (playwright-core drives the system chromium)"
    (cd tests/e2e && npm ci --no-audit --no-fund --silent)
  fi
fi
say "ready ($what)"
