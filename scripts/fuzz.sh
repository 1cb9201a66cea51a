#!/usr/bin/env bash
# The contract, fuzzed: Schemathesis (scripts/requirements-test.txt) sends
# generated requests to every operation of docs/openapi.yaml on the local
# server (target/debug/wxauth-dev, with its WeChat simulator, on a free
# loopback port, a fresh data directory), valid and invalid ones, with and
# without valid tokens, and fails on any 5xx or any answer that is not the
# spec's (status, content type, headers, body schema, error code).
# scripts/fuzz_hooks.py adds the tokens, the huge, deeply nested and non-JSON
# bodies, the error-code check and the request count.
#
# Not fuzzed: the simulator under /wechat-sim/ (not in the spec: WeChat's
# stand-ins, not wxauth's API).
#
#   FUZZ_SEED      the first round's seed (default 15; `random` picks one);
#                  printed, so `FUZZ_SEED=<seed> scripts/fuzz.sh` replays a run
#   FUZZ_ROUNDS    Schemathesis runs, seeds FUZZ_SEED, FUZZ_SEED + 1, … (default 4)
#   FUZZ_EXAMPLES  generated cases per operation and round (default 150)
#   FUZZ_MIN       requests the run must reach (default 10000)
#   WXAUTH_DEV_BIN the local server (default target/debug/wxauth-dev)
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib.sh
ensure_venv

seed="${FUZZ_SEED:-15}"
if [ "$seed" = random ]; then seed=$((RANDOM * 32768 + RANDOM)); fi
rounds="${FUZZ_ROUNDS:-4}"
examples="${FUZZ_EXAMPLES:-150}"
minimum="${FUZZ_MIN:-10000}"
target_dir="${CARGO_TARGET_DIR:-target}"
server_bin="${WXAUTH_DEV_BIN:-$target_dir/debug/wxauth-dev}"
if [ ! -x "$server_bin" ]; then
  echo "scripts/fuzz.sh: no wxauth-dev at $server_bin (cargo build -p wxauth-dev, or set WXAUTH_DEV_BIN)" >&2
  exit 1
fi

case "$target_dir" in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
out="$target_dir/fuzz"
mkdir -p "$out"
rm -rf "$out"/stats-*.json "$out"/round-*
data_dir=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

# Only the simulator's appid and secret: WeChat is the in-process simulator.
env -u WECHAT_APPID -u WECHAT_SECRET RUST_LOG=warn \
  "$server_bin" --port "$port" --host 127.0.0.1 --data-dir "$data_dir" > "$out/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$data_dir"' EXIT
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$out/server.log" >&2
    echo "wxauth-dev failed to start" >&2
    exit 1
  fi
  sleep 0.1
done

echo "==> fuzz: schemathesis against $base, seed $seed: $rounds rounds (seeds $seed to $((seed + rounds - 1))) of $examples examples per operation"
echo "    replay: FUZZ_SEED=$seed scripts/fuzz.sh; one round: FUZZ_SEED=<its seed> FUZZ_ROUNDS=1 scripts/fuzz.sh"
repo="$PWD"

# One Schemathesis run, from $out, where it keeps its cache (.schemathesis/).
fuzz_round() {
  local round_seed=$1
  cd "$out" && FUZZ_BASE_URL="$base" FUZZ_STATS="$out/stats-$round_seed.json" \
    SCHEMATHESIS_HOOKS=scripts.fuzz_hooks PYTHONPATH="$repo" \
    st run "$repo/docs/openapi.yaml" \
    --url "$base" \
    --seed "$round_seed" \
    --max-examples "$examples" \
    --mode all \
    --phases examples,coverage,fuzzing \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,error_code_conformance \
    --workers 1 \
    --request-timeout 30 \
    --suppress-health-check all \
    --report junit --report-dir "round-$round_seed" \
    > "$out/round-$round_seed.log" 2>&1
}

# Short runs rather than one long one (Hypothesis draws new cases ever more
# slowly as a run grows), two at a time, as processes: worker threads in one
# process trip a CPython 3.11 bug in ast.parse under Hypothesis.
failed=()
for ((i = 0; i < rounds; i += 2)); do
  pids=()
  for ((j = i; j < i + 2 && j < rounds; j++)); do
    fuzz_round $((seed + j)) &
    pids+=("$!:$((seed + j))")
  done
  for entry in "${pids[@]}"; do
    wait "${entry%%:*}" || failed+=("${entry##*:}")
  done
done
for ((j = 0; j < rounds; j++)); do
  round_seed=$((seed + j))
  if [[ " ${failed[*]} " == *" $round_seed "* ]]; then
    cat "$out/round-$round_seed.log"
  else
    echo "    round $round_seed: $(grep -E '^ +[0-9]+ generated' "$out/round-$round_seed.log" | sed 's/^ *//')"
  fi
done

python3 scripts/fuzz_stats.py "$out" "$seed" "$minimum"
if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzz: answers that break the contract in rounds ${failed[*]} (their logs above; server log $out/server.log)" >&2
  exit 1
fi
