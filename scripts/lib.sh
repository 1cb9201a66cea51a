# Sourced by scripts/test.sh and scripts/bench.sh: the project-local virtualenv
# and the DynamoDB emulator, both from PyPI, and wrk from Debian.

venv=.venv

# Installs scripts/requirements-test.txt into .venv (git-ignored), once per
# change of that file, and puts .venv/bin first on the PATH.
ensure_venv() {
  if [ ! -x "$venv/bin/python" ] || ! cmp -s scripts/requirements-test.txt "$venv/.requirements"; then
    echo "==> installing moto, cargo-lambda, cfn-lint, the SAM CLI and the Python baseline into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
    cp scripts/requirements-test.txt "$venv/.requirements"
  fi
  export PATH="$PWD/$venv/bin:$PATH"
}

# Starts the emulator on 127.0.0.1 on a free port, one request at a time as
# DynamoDB makes each request atomic (scripts/dynamodb_emulator.py says why),
# stops it when the script exits, and points the AWS variables at it.
start_emulator() {
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p target
  "$venv/bin/python" scripts/dynamodb_emulator.py 127.0.0.1 "$port" > "target/dynamodb-emulator-$port.log" 2>&1 &
  emulator_pid=$!
  trap 'kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    if ! kill -0 "$emulator_pid" 2>/dev/null; then
      cat "target/dynamodb-emulator-$port.log" >&2
      echo "the DynamoDB emulator failed to start" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "==> DynamoDB emulator on 127.0.0.1:$port"
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port"
  export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
  export AWS_EC2_METADATA_DISABLED=true
}

# wrk, the load generator of the throughput figures, from Debian's packages.
ensure_wrk() {
  command -v wrk > /dev/null && return
  if ! command -v apt-get > /dev/null; then
    echo "wrk is missing, and this is not Debian or Ubuntu: install it with your package manager (dnf install wrk, brew install wrk), then run again" >&2
    exit 1
  fi
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo > /dev/null; then
      echo "wrk is missing, and installing it needs root: run 'apt-get install wrk' as root, then run again (nothing else needs root)" >&2
      exit 1
    fi
    sudo=(sudo)
  fi
  echo "==> installing wrk (Debian)"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get install -y --no-install-recommends wrk > /dev/null ||
    { "${sudo[@]}" apt-get update > /dev/null && "${sudo[@]}" apt-get install -y --no-install-recommends wrk > /dev/null; }
}

# -p arguments for every crate of functions/.
function_packages() {
  local dir
  for dir in functions/*/; do printf -- '-p\n%s\n' "$(basename "$dir")"; done
}
