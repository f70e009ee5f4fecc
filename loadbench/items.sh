#!/usr/bin/env bash
# Where an adapter's instructions above its framework's floor go: counts
# `route-loop <fw>-memory` and `<fw>-floor` under callgrind for n1 and n2
# deliveries (only the `serve_one*` functions, as count.sh does) and groups
# the per-function difference, per delivery, by what the code does
# (loadbench/items.py; -v lists the largest functions of each item).
#
#   bash loadbench/items.sh axum|actix|rocket [-v]
set -euo pipefail
cd "$(dirname "$0")/.."
fw="${1:?usage: loadbench/items.sh axum|actix|rocket [-v]}"
n1=2000
n2=4000
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)"; exit 1; }
cargo build --release -q -p hookgate-loadbench --bin route-loop
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for route in memory floor; do
  for n in $n1 $n2; do
    valgrind --tool=callgrind --callgrind-out-file="$work/$route-$n.out" \
      --toggle-collect='*route_loop*serve_one*' "${CARGO_TARGET_DIR:-target}/release/route-loop" "$fw-$route" "$n" 2>/dev/null
  done
done
python3 loadbench/items.py "$work/memory-$n1.out" "$work/memory-$n2.out" "$work/floor-$n1.out" "$work/floor-$n2.out" "${@:2}"
