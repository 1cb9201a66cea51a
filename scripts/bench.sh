#!/usr/bin/env bash
# The benchmark command (README "Benchmarks"). On a fresh machine it:
#  1. installs the emulator and the Python baseline (wechatpy, PyJWT) from PyPI
#     into .venv, and wrk from Debian, as needed;
#  2. starts the DynamoDB emulator on 127.0.0.1;
#  3. builds the release binaries (functions, the lambda_runtime hello-world
#     baseline, wxauth-dev) and the arm64 zips;
#  4. runs the criterion benchmarks (bench/benches/cpu.rs);
#  5. runs wxauth-bench: cold starts and memory under its own Runtime API,
#     DynamoDB requests through a counting proxy, wrk against wxauth-dev, the
#     Python baseline, artifact sizes; prints the tables and writes them, with
#     machine, date and commit, into docs/benchmarks.md and docs/benchmarks.svg.
#
# scripts/bench.sh --smoke is the test command's fast pass of the same: debug
# builds, a few runs of each measurement, the page written to target/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=false
case "${1:-}" in
  --smoke) smoke=true ;;
  "") ;;
  *) echo "usage: scripts/bench.sh [--smoke]" >&2; exit 2 ;;
esac

source scripts/lib.sh
ensure_venv
ensure_wrk
start_emulator

mapfile -t functions < <(function_packages)
binaries=("${functions[@]}" -p wxauth-bench-hello -p wxauth-dev -p wxauth-bench)

if $smoke; then
  echo "==> debug builds"
  cargo build --locked "${binaries[@]}"
  echo "==> criterion, briefly"
  cargo bench --locked --profile dev -p wxauth-bench --bench cpu -- \
    --warm-up-time 0.05 --measurement-time 0.1 --sample-size 10
  echo "==> wxauth-bench --smoke"
  cargo run --locked -p wxauth-bench -- --smoke --bin-dir target/debug --out target/bench/benchmarks.md
else
  echo "==> release builds"
  # The functions on their own, as `cargo lambda build` and `sam build` build
  # them: built with the tools, cargo would unify their dependencies'
  # features with the tests' (the S3 SDK's own HTTPS client, for one), and
  # the bench would time binaries that never ship.
  cargo build --release --locked "${functions[@]}" -p wxauth-bench-hello
  cargo build --release --locked -p wxauth-dev -p wxauth-bench
  echo "==> release zips (arm64)"
  cargo lambda build --release --arm64 --output-format zip --locked "${functions[@]}"
  echo "==> criterion"
  cargo bench --locked -p wxauth-bench --bench cpu
  echo "==> wxauth-bench"
  cargo run --release --locked -p wxauth-bench -- --bin-dir target/release --out docs/benchmarks.md
fi
