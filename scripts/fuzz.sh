#!/usr/bin/env bash
# Runs every cargo-fuzz target (or those named) for a bounded time each and prints, per target,
# the executions libFuzzer made and what it found. Usage: scripts/fuzz.sh [target...]
#
#   FUZZ_SECONDS   seconds per target (default 60)
#   FUZZ_NICE      niceness of the fuzzers (default 10: this machine is shared)
#   FUZZ_BUILD_FLAGS  extra `cargo fuzz build/run` flags, e.g. `--sanitizer=none` (faster to
#                  build and run; the code under test is safe Rust, so ASan finds little extra)
#
# Inputs: fuzz/seeds/<target>/ (hand-made, committed), fuzz/regressions/<target>/ (inputs that
# once failed, committed) and fuzz/corpus/<target>/ (libFuzzer's working corpus, ignored by git;
# new inputs go there). A failure leaves its input in fuzz/artifacts/<target>/: fix the bug, then
# copy the input into fuzz/regressions/<target>/ so that every later run replays it first.
# Exits non-zero when any target found something or failed to run.
set -uo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-60}"
niceness="${FUZZ_NICE:-10}"
export RUSTC_BOOTSTRAP=1
mapfile -t all < <(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^evolvy-widget-fuzz$')
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

# One build for every target (cargo fuzz run would otherwise rebuild per target).
nice -n "$niceness" cargo fuzz build ${FUZZ_BUILD_FLAGS:-} || { echo "fuzz: build failed" >&2; exit 2; }

status=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "seeds/$t" "regressions/$t" "artifacts/$t"
  before=$(ls "artifacts/$t" | wc -l)
  log="$(mktemp)"
  nice -n "$niceness" cargo fuzz run ${FUZZ_BUILD_FLAGS:-} "$t" "corpus/$t" "seeds/$t" "regressions/$t" -- \
    -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    >"$log" 2>&1
  rc=$?
  execs=$(awk '/stat::number_of_executed_units/ {n = $NF} END {print n + 0}' "$log")
  corpus=$(ls "corpus/$t" | wc -l)
  found=$(( $(ls "artifacts/$t" | wc -l) - before ))
  if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
    status=1
    echo "---- $t: exit $rc, last lines of libFuzzer's output:" >&2
    grep -E "panicked|ERROR|SUMMARY|Test unit written|assert" "$log" | head -20 >&2
  fi
  summary+=("$(printf '%-18s %12s execs  %6s corpus  %3s findings  (exit %s)' "$t" "$execs" "$corpus" "$found" "$rc")")
  rm -f "$log"
done
echo "fuzz: ${seconds} s per target"
printf '%s\n' "${summary[@]}"
exit "$status"
