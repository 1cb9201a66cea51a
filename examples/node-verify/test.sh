#!/bin/sh
# The Node.js verification example against a real wxauth-dev (the test
# command runs it). WXAUTH_DEV_BIN: the built local server (default: the
# workspace's debug build, `cargo build -p wxauth-dev`).
set -eu
cd "$(dirname "$0")"
WXAUTH_DEV_BIN="${WXAUTH_DEV_BIN:-../../target/debug/wxauth-dev}"
case "$WXAUTH_DEV_BIN" in /*) ;; *) WXAUTH_DEV_BIN="$(pwd)/$WXAUTH_DEV_BIN" ;; esac
if [ ! -x "$WXAUTH_DEV_BIN" ]; then
  echo "examples/node-verify/test.sh: no wxauth-dev at $WXAUTH_DEV_BIN (cargo build -p wxauth-dev, or set WXAUTH_DEV_BIN)" >&2
  exit 1
fi
export WXAUTH_DEV_BIN
npm ci --no-audit --no-fund --silent
node --test test/*.test.js
