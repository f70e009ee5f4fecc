#!/usr/bin/env bash
# Instructions per delivery of the load benchmark's routes, in-process,
# counted by callgrind: exact and repeatable, where the clock on a shared VM
# is not. Each framework (axum, actix-web, Rocket) serves the same delivery
# bare, through its inline floor (`loadbench/src/floor.rs`) and behind its
# hookgate adapter with the default in-memory store (`memory`). Each route
# serves n1 and then n2 fresh signed 1 KiB deliveries in two runs; only the
# `serve_*` functions are counted (one delivery, and for `prometheus` the
# recorder's upkeep every 1 000 deliveries), and the difference of the two runs
# divided by n2 - n1 is what one delivery costs once the process is warm.
# Each framework enters its routes its own way (tower `Service`, actix-web's
# `test::init_service`, Rocket's local client): compare within a framework.
# Valgrind runs SHA-256 in software (it hides the CPU's SHA extensions), so
# the SHA-256 compression function is reported apart and left out of the
# last column.
#
#   bash loadbench/count.sh [n1=2000] [n2=4000]
#   ROUTES="axum-bare axum-floor" bash loadbench/count.sh
#   ROUTE_LOOP=/path/to/route-loop bash loadbench/count.sh   # a binary built
#                                   # earlier (e.g. at another commit): no build
set -euo pipefail
cd "$(dirname "$0")/.."
n1="${1:-2000}"
n2="${2:-4000}"
routes="${ROUTES:-axum-bare axum-floor axum-memory axum-prometheus actix-bare actix-floor actix-memory actix-prometheus rocket-bare rocket-floor rocket-memory rocket-prometheus}"
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)"; exit 1; }
if [ -z "${ROUTE_LOOP:-}" ]; then
  cargo build --release -q -p hookgate-loadbench --bin route-loop
fi
route_loop="${ROUTE_LOOP:-${CARGO_TARGET_DIR:-target}/release/route-loop}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Total instructions counted, and those inside SHA-256's compression (inclusive).
count() {
  valgrind --tool=callgrind --callgrind-out-file="$work/out" \
    --toggle-collect='*route_loop*serve_*' "$route_loop" "$1" "$2" 2>/dev/null
  local total sha
  total=$(callgrind_annotate "$work/out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
  sha=$(callgrind_annotate --inclusive=yes "$work/out" 2>/dev/null |
    awk '/sha256.*compress/ { gsub(",", "", $1); if ($1 + 0 > m) m = $1 + 0 } END { print m + 0 }')
  echo "$total $sha"
}
echo "| route | instructions per delivery | of which SHA-256 (software) | outside SHA-256 |"
echo "| --- | ---: | ---: | ---: |"
for r in $routes; do
  read -r t1 s1 <<<"$(count "$r" "$n1")"
  read -r t2 s2 <<<"$(count "$r" "$n2")"
  awk -v r="$r" -v t1="$t1" -v t2="$t2" -v s1="$s1" -v s2="$s2" -v n="$((n2 - n1))" 'BEGIN {
    t = (t2 - t1) / n; s = (s2 - s1) / n
    printf "| %s | %.0f | %.0f | %.0f |\n", r, t, s, t - s }' | tee -a "$work/table"
done
# Each adapter against its own framework: what it costs above the bare route
# and above the floor (the target: at most 1.5k instructions above the floor).
echo
echo "| framework (outside SHA-256) | floor − bare | adapter − bare | adapter − floor |"
echo "| --- | ---: | ---: | ---: |"
awk -F'|' '{ gsub(/ /, "", $2); gsub(/ /, "", $5); split($2, p, "-"); v[p[1], p[2]] = $5; f[p[1]] = 1 }
  END { for (fw in f) if ((fw, "bare") in v && (fw, "floor") in v && (fw, "memory") in v)
    printf "| %s | %d | %d | %d |\n", fw, v[fw, "floor"] - v[fw, "bare"], v[fw, "memory"] - v[fw, "bare"], v[fw, "memory"] - v[fw, "floor"] }' "$work/table" | sort
