#!/usr/bin/env bash
# Fuzzes every target of tiepdan-fuzzing (README.md, "Fuzzing"):
#   scripts/fuzz.sh [SECONDS_PER_TARGET]      (default 60)
# Installs cargo-fuzz if it is missing, builds the fuzz binaries once (stable toolchain, no
# sanitizer, debug assertions on), runs each target for that many seconds starting from its
# committed corpus fuzz/corpus/T (new inputs go to fuzz/scratch/T, git-ignored) and prints
# executions and new crashes per target. A crashing input lands in fuzz/artifacts/T; once the
# parser is fixed, copy it into fuzz/corpus/T as a regression seed (`cargo test -p
# tiepdan-fuzzing` replays both folders).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds=${1:-60}
case $seconds in
  '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET]" >&2; exit 2 ;;
esac

command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz

flags=(--sanitizer none --debug-assertions)
cargo fuzz build "${flags[@]}"
targets=$(cargo fuzz list)

# Crash, timeout and out-of-memory inputs of target $1 already in fuzz/artifacts.
findings() {
  if [ -d "artifacts/$1" ]; then find "artifacts/$1" -type f | sort; fi
}

rows=()
total_crashes=0
for t in $targets; do
  mkdir -p "scratch/$t"
  before=$(findings "$t")
  log="scratch/$t.log"
  echo "== $t: ${seconds} s"
  # A crash stops libFuzzer (exit status non-zero); go on with the next target.
  cargo fuzz run "${flags[@]}" "$t" "scratch/$t" "corpus/$t" -- \
    -max_total_time="$seconds" -timeout=20 -print_final_stats=1 >"$log" 2>&1 || true
  runs=$(grep -Eo '^(Done [0-9]+ runs|stat::number_of_executed_units: *[0-9]+)' "$log" \
    | grep -Eo '[0-9]+' | tail -n 1 || true)
  if [ -z "$runs" ]; then
    runs=$(grep -Eo '^#[0-9]+' "$log" | tail -n 1 | tr -d '#' || true)
  fi
  new=$(comm -13 <(echo "$before") <(findings "$t") | sed '/^$/d' | wc -l)
  total_crashes=$((total_crashes + new))
  rows+=("$(printf '%-18s %14s %12s' "$t" "${runs:-?}" "$new")")
  if [ "$new" -gt 0 ]; then
    comm -13 <(echo "$before") <(findings "$t") | sed 's/^/   new: fuzz\//'
    grep -E 'panicked at|^==[0-9]+== ERROR|SUMMARY' "$log" | head -n 3 | sed 's/^/   /'
  fi
done

echo
printf '%-18s %14s %12s\n' target executions "new crashes"
printf '%s\n' "${rows[@]}"
echo "(${seconds} s per target; logs in fuzz/scratch/<target>.log)"
[ "$total_crashes" -eq 0 ]
