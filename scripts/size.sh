#!/usr/bin/env bash
# Prints the raw, gzip (-9) and brotli (-q 11) size of each file given.
set -euo pipefail
for f in "$@"; do
  [ -f "$f" ] || { echo "size: $f not built" >&2; continue; }
  raw=$(wc -c <"$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  if command -v brotli >/dev/null 2>&1; then br=$(brotli -q 11 -c "$f" | wc -c); else br="(no brotli)"; fi
  printf '%-40s raw %8s B   gzip %8s B   brotli %8s B\n' "$f" "$raw" "$gz" "$br"
done
