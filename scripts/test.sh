#!/usr/bin/env bash
# The one command that runs every test of tiepdan (README.md, "Two commands").
# Tier 1–3: unit, property and real-process tests; then the fuzz targets replay their corpus.
set -euo pipefail
cd "$(dirname "$0")/.."

# Formatting and lints first: they fail in seconds, the tests take minutes.
cargo fmt --all --check
cargo clippy --locked --workspace --all-targets -- -D warnings
# The production build leaves the lab and the benchmarks out; it must still compile.
cargo check --locked -p tiepdan-node --no-default-features

# The black-box tests start the real `tiepdan` binary: build it first.
cargo build --locked -p tiepdan-node --bin tiepdan
cargo test --locked --workspace

# Replay the fuzz corpora (stable toolchain, so no sanitizer).
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
(cd fuzz && for t in control_frame cert_request; do
   cargo fuzz run --sanitizer none "$t" "corpus/$t" -- -runs=0
 done)
echo "fuzz corpus replay: ok"

# Every benchmark runs too, on the debug build, so that each keeps working; its figures are
# lower than the release figures in README.md (`cargo run --release -p tiepdan-node -- bench`).
./target/debug/tiepdan bench --suite all

# The simulator over the full hierarchy: every scenario must lose nothing and keep its
# invariants (the command exits non-zero otherwise). `normal` is the 30-day benchmark; README.md
# gives its release figures.
cargo build --locked -p tiepdan-sim
for s in normal typhoon central-outage flapping revocation escalation-wave; do
  ./target/debug/tiepdan-sim --scenario "$s" --seed 1 > "target/sim-$s.json"
  echo "$s: $(grep -E '"(events_created|events_lost|wall_seconds)"' "target/sim-$s.json" | tr -d ' \n')"
done
