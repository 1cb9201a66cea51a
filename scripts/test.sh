#!/usr/bin/env bash
# The test command (README, and .ci/run). On a fresh machine it:
#  1. installs the DynamoDB emulator (moto's server mode, from PyPI) into the
#     project-local virtualenv .venv (git-ignored), once;
#  2. starts it on 127.0.0.1 on a free port, one request at a time as DynamoDB
#     makes each request atomic (scripts/dynamodb_emulator.py says why);
#  3. runs cargo fmt --check, cargo clippy -D warnings and cargo test --workspace
#     with every DynamoDB test pointed at it (and required: they fail, not skip);
#  4. stops it, whatever happened.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
if [ ! -x "$venv/bin/python" ] || ! cmp -s scripts/requirements-test.txt "$venv/.requirements"; then
  echo "==> installing the DynamoDB emulator (moto) into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
  cp scripts/requirements-test.txt "$venv/.requirements"
fi

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
export WXAUTH_REQUIRE_EMULATOR=1

echo "==> cargo fmt --check"
cargo fmt --all --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test"
cargo test --workspace --locked
