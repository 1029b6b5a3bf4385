#!/usr/bin/env bash
# Turns wasm-pack's pkg/ (from `make pkg`) into the publishable npm package and packs it:
# package.json, typed evolvy_widget.d.ts + model.d.ts, README.md, CHANGELOG.md (npm/package.mjs),
# then `npm pack` into target/npm/. Prints the tarball's path on the last line.
# Usage: scripts/package.sh [pkg-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
pkg="${1:-pkg}"
node npm/package.mjs "$pkg"
mkdir -p target/npm
rm -f target/npm/evolvy-widget-*.tgz
tarball="$(cd "$pkg" && npm pack --silent --pack-destination "$OLDPWD/target/npm" | tail -n 1)"
path="target/npm/$tarball"
size() { wc -c <"$1" | tr -d ' '; }
echo "package: $path: $(size "$path") bytes packed; contents:" >&2
tar -tvzf "$path" | awk '{printf "  %10s  %s\n", $3, $6}' >&2
echo "$path"
