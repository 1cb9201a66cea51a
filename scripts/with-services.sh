#!/usr/bin/env bash
# Runs a command of yours with what the test command gives its tests: the
# project's virtualenv first on the PATH (cargo-lambda, the SAM translator,
# moto), the DynamoDB emulator started on a free port of 127.0.0.1 with
# AWS_ENDPOINT_URL_DYNAMODB and test credentials pointing at it, and stopped
# when the command ends. E.g.:
#
#   scripts/with-services.sh cargo test --workspace --test it -- login_flow
#
# Without them, the tests that need the emulator or cargo-lambda fail,
# saying so (they never pass without running).
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: scripts/with-services.sh <command> [args…]" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_venv
start_emulator
"$@"
