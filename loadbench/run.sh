#!/usr/bin/env bash
# Loopback load benchmark: every variant, interleaved over several rounds (the
# machine is noisy: compare medians within one run), one line per run and a
# median table at the end.
#
#   bash loadbench/run.sh [connections=32] [requests=100000] [rounds=5]
#   VARIANTS="axum-bare axum-memory" bash loadbench/run.sh
#   PORT_BASE=7300 bash loadbench/run.sh   # ports PORT_BASE+1, +2, … (default 5800)
#
# Needs Redis at REDIS_URL (default redis://127.0.0.1:6379/) for the *-redis,
# axum-handwritten and axum-queue variants.
set -euo pipefail
cd "$(dirname "$0")/.."
connections="${1:-32}"
requests="${2:-100000}"
rounds="${3:-5}"
variants="${VARIANTS:-axum-bare axum-floor axum-memory axum-prometheus axum-redis axum-handwritten axum-queue actix-bare actix-floor actix-memory actix-prometheus actix-redis rocket-bare rocket-floor rocket-memory rocket-prometheus rocket-redis}"

cargo build --release -q -p hookgate-loadbench --bins
bin="${CARGO_TARGET_DIR:-target}/release"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port="${PORT_BASE:-5800}"
hz=$(getconf CLK_TCK)
# utime and stime of a process, in clock ticks (fields 14 and 15 of
# /proc/<pid>/stat; the name in field 2 has no spaces here).
cpu_ticks() { awk '{ print $14, $15 }' "/proc/$1/stat"; }
for round in $(seq 1 "$rounds"); do
  for v in $variants; do
    port=$((port + 1))
    addr="127.0.0.1:$port"
    "$bin/bench-server" "$v" "$addr" >"$work/out" 2>"$work/err" &
    pid=$!
    for _ in $(seq 1 300); do
      grep -q "listening on" "$work/out" 2>/dev/null && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if ! grep -q "listening on" "$work/out"; then
      status=running
      if ! kill -0 "$pid" 2>/dev/null; then
        status="exited: $(wait "$pid" 2>/dev/null; echo $?)"
      fi
      echo "$v: server did not start ($status)"; cat "$work/out" "$work/err"; kill "$pid" 2>/dev/null || true; exit 1
    fi
    "$bin/loadgen" "$addr" "$v-warmup" "$connections" 10000 >/dev/null || true
    # The server's own CPU over the measured run (all its threads), split into
    # user time (the framework, hookgate, the handler) and system time (the
    # kernel: sockets, and on loopback the wake-ups of the load generator).
    before=$(cpu_ticks "$pid")
    line=$("$bin/loadgen" "$addr" "$v" "$connections" "$requests") || echo "$v: run had failures"
    after=$(cpu_ticks "$pid")
    line="$line"$'\t'$(awk -v b="$before" -v a="$after" -v hz="$hz" -v n="$requests" 'BEGIN {
      split(b, x, " "); split(a, y, " ")
      printf "cpu usr %.1f sys %.1f us/req", (y[1] - x[1]) / hz * 1e6 / n, (y[2] - x[2]) / hz * 1e6 / n }')
    echo "round $round: $line"
    echo "$line" >>"$work/results"
    printf '%s\t%s\n' "$round" "$line" >>"$work/rounds"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
done
echo
echo "| variant | median req/s | runs (req/s) | median p50 us | median p99 us | server CPU us/req: median user + system |"
echo "| --- | ---: | --- | ---: | ---: | ---: |"
for v in $variants; do
  awk -F'\t' -v v="$v" 'BEGIN { n = 0 } $1 == v {
      split($2, a, " "); rps[n] = a[1];
      split($3, b, " "); p50[n] = b[2];
      split($4, c, " "); p99[n] = c[2];
      usr[n] = 0; sys[n] = 0
      for (f = 5; f <= NF; f++) if ($f ~ /^cpu /) { split($f, d, " "); usr[n] = d[3]; sys[n] = d[5] }
      n++ }
    function median(arr, n,   i, j, t, s) {
      for (i = 0; i < n; i++) s[i] = arr[i] + 0;
      for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (s[j] < s[i]) { t = s[i]; s[i] = s[j]; s[j] = t }
      return s[int((n - 1) / 2)]
    }
    END {
      runs = ""; for (i = 0; i < n; i++) runs = runs (i ? ", " : "") rps[i];
      printf "| %s | %d | %s | %d | %d | %.1f + %.1f |\n", v, median(rps, n), runs, median(p50, n), median(p99, n), median(usr, n), median(sys, n)
    }' "$work/results"
done
# Paired ratios: each round's two runs ran back to back, so their ratio is
# steadier than a ratio of medians when the host's speed drifts.
echo
echo "| ratio | median of per-round ratios | per round | server CPU per request, den ÷ num: median of per-round ratios |"
echo "| --- | ---: | --- | ---: |"
# Targets: each adapter's memory variant at least 0.95 of its framework's
# floor; with the Prometheus recorder installed, at least 0.95 of the same
# receiver without it; queue mode's request path at least 0.9 of the
# hand-written handler.
for pair in axum-memory/axum-floor actix-memory/actix-floor rocket-memory/rocket-floor axum-prometheus/axum-memory actix-prometheus/actix-memory rocket-prometheus/rocket-memory axum-floor/axum-bare actix-floor/actix-bare rocket-floor/rocket-bare axum-memory/axum-bare actix-memory/actix-bare rocket-memory/rocket-bare axum-redis/axum-handwritten axum-queue/axum-handwritten; do
  num=${pair%/*}
  den=${pair#*/}
  awk -F'\t' -v num="$num" -v den="$den" -v pair="$pair" '
    {
      split($3, a, " "); rps[$1 "," $2] = a[1]; if ($1 + 0 > n) n = $1 + 0
      for (f = 6; f <= NF; f++) if ($f ~ /^cpu /) { split($f, d, " "); cpu[$1 "," $2] = d[3] + d[5] }
    }
    END {
      m = 0; k = 0; list = ""
      for (r = 1; r <= n; r++) {
        if ((r "," num) in rps && (r "," den) in rps && rps[r "," den] > 0) {
          v[m] = rps[r "," num] / rps[r "," den]
          list = list (m ? ", " : "") sprintf("%.2f", v[m]); m++
          if (cpu[r "," num] > 0) { c[k] = cpu[r "," den] / cpu[r "," num]; k++ }
        }
      }
      if (m == 0) exit
      printf "| %s | %.2f | %s | %s |\n", pair, median(v, m), list, k ? sprintf("%.2f", median(c, k)) : "-"
    }
    function median(x, m,   i, j, t) {
      for (i = 0; i < m; i++) for (j = i + 1; j < m; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
      return (m % 2) ? x[int(m / 2)] : (x[m / 2 - 1] + x[m / 2]) / 2
    }' "$work/rounds"
done

