#!/usr/bin/env bash
# The one command that runs every test of tiepdan (README.md, "Two commands").
# Tier 1–3: unit, property and real-process tests (the fuzz corpora replay among them).
set -euo pipefail
cd "$(dirname "$0")/.."

# Each phase prints how long it took, so a slow CI run shows where its minutes went.
started=$SECONDS
phase() { echo "== $1 (at $((SECONDS - started)) s)"; }
trap 'echo "== done in $((SECONDS - started)) s"' EXIT

# Formatting and lints first: they fail in seconds, the tests take minutes.
phase "format and lints"
cargo fmt --all --check
cargo clippy --locked --workspace --all-targets -- -D warnings
# The production build leaves the lab and the benchmarks out; it must still compile.
cargo check --locked -p tiepdan-node --no-default-features
phase "build"

# The black-box tests start the real `tiepdan` binary: build it first.
cargo build --locked -p tiepdan-node --bin tiepdan
phase "tests"
cargo test --locked --workspace

# The fuzz corpora (fuzz/corpus/<target>/ and fuzz/artifacts/<target>/) replay in
# `cargo test -p tiepdan-fuzzing`, part of the workspace tests above; no cargo-fuzz needed.
# Fuzzing itself is `scripts/fuzz.sh` (README.md, "Fuzzing").

# Every benchmark runs too, on the debug build, so that each keeps working; its figures are
# lower than the release figures in README.md (`cargo run --release -p tiepdan-node -- bench`).
phase "benchmarks (debug)"
# The reports suite runs at 2,000 cases a province (20,000 at central) instead of 100,000, and
# the load harness with 200 virtual sites (3,355 in README.md), 20 receptions and 3 s windows.
./target/debug/tiepdan bench --suite all --report-cases 2000 \
  --sites 200 --receptions 20 --per-second 10 --idle-seconds 3

# The simulator over the full hierarchy: every scenario must lose nothing and keep its
# invariants (the command exits non-zero otherwise). `normal` is the 30-day benchmark; README.md
# gives its release figures.
phase "simulator"
cargo build --locked -p tiepdan-sim
for s in normal typhoon central-outage flapping revocation escalation-wave; do
  ./target/debug/tiepdan-sim --scenario "$s" --seed 1 > "target/sim-$s.json"
  echo "$s: $(grep -E '"(events_created|events_lost|wall_seconds)"' "target/sim-$s.json" | tr -d ' \n')"
done
