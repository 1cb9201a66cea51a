#!/usr/bin/env bash
# The test command (README, and .ci/run). On a fresh machine it:
#  1. installs the DynamoDB emulator (moto's server mode), cargo-lambda, cfn-lint
#     and the SAM CLI, all from PyPI, into the project-local virtualenv .venv
#     (git-ignored), once;
#  2. lints template.yaml with cfn-lint and `sam validate --lint`;
#  3. starts the emulator on 127.0.0.1 on a free port, one request at a time as
#     DynamoDB makes each request atomic (scripts/dynamodb_emulator.py says why);
#  4. runs cargo fmt --check, cargo clippy -D warnings and cargo test --workspace
#     with every DynamoDB test pointed at it and cargo-lambda on the PATH (a
#     test that needs either fails without it, never passes unrun);
#     tests/it/lambda_invoke.rs runs the function binaries under
#     `cargo lambda watch` with the events/ fixtures; then a few tests the
#     README's way (scripts/with-services.sh), which must rebuild nothing, and
#     the same without the emulator, which must fail;
#     then the mini-program SDK's tests (client/test.sh: npm ci, tsc,
#     node --test against the local server) and the Node.js example's
#     (examples/node-verify: jose against the JWKS); then the contract fuzz
#     (scripts/fuzz.sh: Schemathesis against docs/openapi.yaml and the local
#     server);
#  5. builds the release zips with `cargo lambda build --release --arm64` and
#     fails if one exceeds 4 MB;
#  6. runs the benchmark command's smoke pass (scripts/bench.sh --smoke: debug
#     builds, a few runs of every measurement, the report in target/bench/,
#     no target judged);
#  7. stops the emulator, whatever happened, and says it passed.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

source scripts/lib.sh
ensure_venv

echo "==> cfn-lint and sam validate --lint"
export AWS_DEFAULT_REGION=us-east-1 SAM_CLI_TELEMETRY=0
cfn-lint template.yaml
# The mainland China partition (aws-cn) too: the stack must deploy there unchanged.
cfn-lint --regions cn-north-1 cn-northwest-1 -- template.yaml
sam validate --lint --template-file template.yaml

start_emulator

echo "==> cargo fmt --check"
cargo fmt --all --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test"
cargo test --workspace --locked

# README "Test": a few tests by hand, through scripts/with-services.sh, reuse
# what the workspace build built (nothing is compiled again).
echo "==> README: scripts/with-services.sh cargo test --workspace --test it -- login_flow"
by_hand=$(scripts/with-services.sh cargo test --workspace --test it -- login_flow 2>&1) ||
  { echo "$by_hand"; exit 1; }
if grep -q "Compiling" <<< "$by_hand"; then
  echo "$by_hand"
  echo "the README's way of running a few tests rebuilt what the workspace build had built" >&2
  exit 1
fi
grep "test result" <<< "$by_hand"
# …and without the emulator, the same tests fail saying so: a test that
# cannot run never counts as passed.
if unrun=$(env -u AWS_ENDPOINT_URL_DYNAMODB cargo test --workspace --test it -- login_flow 2>&1); then
  echo "$unrun"
  echo "tests that need the DynamoDB emulator passed without one" >&2
  exit 1
fi
grep -q "needs the DynamoDB emulator" <<< "$unrun" || { echo "$unrun"; exit 1; }
echo "    without the emulator: $(grep -c 'needs the DynamoDB emulator' <<< "$unrun") failures, each naming it"


# The mini-program SDK (client/) against the real local server: npm ci from
# the committed lockfile, tsc over the typings, node --test.
echo "==> client: the mini-program SDK's tests (Node $(node --version))"
cargo build --locked -p wxauth-dev
WXAUTH_DEV_BIN="$PWD/target/debug/wxauth-dev" client/test.sh
# The Node.js example that verifies wxauth's tokens with the JWKS (jose).
echo "==> examples/node-verify: tokens verified in Node.js"
WXAUTH_DEV_BIN="$PWD/target/debug/wxauth-dev" examples/node-verify/test.sh

# The contract (docs/openapi.yaml), fuzzed against the same local server:
# at least 10,000 generated requests, no 5xx, every answer the spec's.
echo "==> fuzz: scripts/fuzz.sh"
WXAUTH_DEV_BIN="$PWD/target/debug/wxauth-dev" scripts/fuzz.sh

echo "==> release zips (arm64)"
mapfile -t functions < <(function_packages)
cargo lambda build --release --arm64 --output-format zip --locked "${functions[@]}"
limit=$((4 * 1000 * 1000))
status=0
for dir in functions/*/; do
  name=$(basename "$dir")
  zip="target/lambda/$name/bootstrap.zip"
  size=$(stat -c %s "$zip")
  printf '%-16s %9d bytes\n' "$name" "$size"
  if [ "$size" -gt "$limit" ]; then
    echo "$zip exceeds 4 MB ($limit bytes)" >&2
    status=1
  fi
done
if [ "$status" -ne 0 ]; then exit "$status"; fi

echo "==> benchmark smoke pass (scripts/bench.sh --smoke)"
scripts/bench.sh --smoke
# A smoke pass checks the harness; its figures judge nothing.
if grep -q "✅\|❌" target/bench/benchmarks.md; then
  echo "the smoke pass's page judges targets (target/bench/benchmarks.md)" >&2
  exit 1
fi

echo "==> scripts/test.sh: passed in $(( ($(date +%s) - started) / 60 )) min"
