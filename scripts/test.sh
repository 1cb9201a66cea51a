#!/usr/bin/env bash
# The test command (README, and .ci/run). On a fresh machine it:
#  1. installs the DynamoDB emulator (moto's server mode), cargo-lambda, cfn-lint
#     and the SAM CLI, all from PyPI, into the project-local virtualenv .venv
#     (git-ignored), once;
#  2. lints template.yaml with cfn-lint and `sam validate --lint`;
#  3. starts the emulator on 127.0.0.1 on a free port, one request at a time as
#     DynamoDB makes each request atomic (scripts/dynamodb_emulator.py says why);
#  4. runs cargo fmt --check, cargo clippy -D warnings and cargo test --workspace
#     with every DynamoDB test pointed at it and cargo-lambda on the PATH (both
#     required: those tests fail, not skip); tests/it/lambda_invoke.rs runs the
#     function binaries under `cargo lambda watch` with the events/ fixtures;
#  5. builds the release zips with `cargo lambda build --release --arm64` and
#     fails if one exceeds 4 MB;
#  6. stops the emulator, whatever happened.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
if [ ! -x "$venv/bin/python" ] || ! cmp -s scripts/requirements-test.txt "$venv/.requirements"; then
  echo "==> installing moto, cargo-lambda, cfn-lint and the SAM CLI into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
  cp scripts/requirements-test.txt "$venv/.requirements"
fi

export PATH="$PWD/$venv/bin:$PATH"

echo "==> cfn-lint and sam validate --lint"
export AWS_DEFAULT_REGION=us-east-1 SAM_CLI_TELEMETRY=0
cfn-lint template.yaml
# The mainland China partition (aws-cn) too: the stack must deploy there unchanged.
cfn-lint --regions cn-north-1 cn-northwest-1 -- template.yaml
sam validate --lint --template-file template.yaml

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p target
"$venv/bin/python" scripts/dynamodb_emulator.py 127.0.0.1 "$port" > target/dynamodb-emulator.log 2>&1 &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$emulator_pid" 2>/dev/null; then
    cat target/dynamodb-emulator.log >&2
    echo "the DynamoDB emulator failed to start" >&2
    exit 1
  fi
  sleep 0.1
done
echo "==> DynamoDB emulator on 127.0.0.1:$port"

export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_EC2_METADATA_DISABLED=true
export WXAUTH_REQUIRE_EMULATOR=1 WXAUTH_REQUIRE_LAMBDA_TOOLS=1

echo "==> cargo fmt --check"
cargo fmt --all --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test"
cargo test --workspace --locked

echo "==> release zips (arm64)"
functions=()
for dir in functions/*/; do functions+=(-p "$(basename "$dir")"); done
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
exit "$status"
