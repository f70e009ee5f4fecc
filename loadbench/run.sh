#!/usr/bin/env bash
# Loopback load benchmark: every variant in one run, one after the other, on
# this machine. Prints one line per variant (req/s, p50, p99).
#
#   bash loadbench/run.sh [connections=32] [requests=200000]
#
# Needs Redis at REDIS_URL (default redis://127.0.0.1:6379/) for the *-redis and
# axum-handwritten rows.
set -euo pipefail
cd "$(dirname "$0")/.."
connections="${1:-32}"
requests="${2:-200000}"
variants="${VARIANTS:-axum-bare axum-memory axum-redis axum-handwritten actix-bare actix-memory actix-redis rocket-bare rocket-memory rocket-redis}"

cargo build --release -q -p hookgate-loadbench --bins
bin=target/release
port=5800
for v in $variants; do
  port=$((port + 1))
  addr="127.0.0.1:$port"
  "$bin/bench-server" "$v" "$addr" >/tmp/bench-server.$$.out 2>/tmp/bench-server.$$.err &
  pid=$!
  for _ in $(seq 1 100); do
    grep -q "listening on" /tmp/bench-server.$$.out 2>/dev/null && break
    sleep 0.1
  done
  if ! grep -q "listening on" /tmp/bench-server.$$.out; then
    echo "$v: server did not start"; cat /tmp/bench-server.$$.err; kill "$pid" 2>/dev/null || true; exit 1
  fi
  # warm-up, then the measured run
  "$bin/loadgen" "$addr" "$v-warmup" "$connections" 10000 >/dev/null || true
  "$bin/loadgen" "$addr" "$v" "$connections" "$requests" || echo "$v: run had failures"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
rm -f /tmp/bench-server.$$.out /tmp/bench-server.$$.err
