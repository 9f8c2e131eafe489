#!/usr/bin/env bash
# W-fanout on this machine (BENCH.md): for each N, a fresh hub pinned to core 0 and dienhong-load
# pinned to core 1 (when there are 2+ cores), ~20 s of steady window, then the table: hub CPU per
# forwarded packet, loss, p99 latency, hub RSS, join time. Figures, never a pass/fail.
#
# Usage: tests/bench/fanout.sh [N...]        (default: 50 100 200)
# Env:   BUILD=build (where dienhong and clients/load/dienhong-load are), DURATION=20, WARMUP=5,
#        OUT=<dir for the JSON reports and logs> (default: a new temporary directory)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
NS=("$@")
[[ ${#NS[@]} -gt 0 ]] || NS=(50 100 200)
HUB=$BUILD/dienhong
LOAD=$BUILD/clients/load/dienhong-load
for b in "$HUB" "$LOAD"; do
  [[ -x $b ]] || { echo "fanout.sh: $b not built (cmake --build $BUILD -j2)" >&2; exit 1; }
done
OUT=${OUT:-$(mktemp -d /tmp/dienhong-fanout-XXXXXX)}
mkdir -p "$OUT"
if [[ $(nproc) -ge 2 ]]; then PIN_HUB=(taskset -c 0); PIN_LOAD=(taskset -c 1); else PIN_HUB=(); PIN_LOAD=(); fi

hub_pid=
data=
cleanup() {
  [[ -n $hub_pid ]] && kill "$hub_pid" 2>/dev/null && wait "$hub_pid" 2>/dev/null
  [[ -n $data ]] && rm -rf "$data"
  return 0
}
trap cleanup EXIT

free_port() { # a TCP port nobody listens on, from a range the e2e tests do not use
  local p
  for p in $(shuf -i 38000-38999 -n 50); do
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
  done
  echo 38999
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

for n in "${NS[@]}"; do
  data=$(mktemp -d /tmp/dienhong-fanout-data-XXXXXX)
  port=$(free_port)
  lo=$((30000 + (port % 100) * 10))
  "${PIN_HUB[@]}" "$HUB" serve --listen "127.0.0.1:$port" --data "$data" \
    --media-ports "$lo-$((lo + 9))" --log-level warn >"$OUT/hub-$n.log" 2>&1 &
  hub_pid=$!
  for _ in $(seq 50); do grep -qs listening "$OUT/hub-$n.log" && break; sleep 0.1; done
  sleep 1
  rss0=$(rss_kib "$hub_pid")
  echo "fanout.sh: N=$n, hub pid $hub_pid on :$port (RSS $rss0 KiB idle)" >&2
  "${PIN_LOAD[@]}" "$LOAD" --url "ws://127.0.0.1:$port/ws" --dienhong "$HUB" --data "$data" \
    --scenario tests/bench/load/W-fanout.conf --sites "$n" --duration "$DURATION" \
    --warmup "$WARMUP" --hub-pid "$hub_pid" --json "$OUT/fanout-$n.json" \
    >"$OUT/load-$n.txt" 2>"$OUT/load-$n.log"
  echo "$rss0" >"$OUT/rss0-$n"
  kill "$hub_pid"; wait "$hub_pid" 2>/dev/null || true
  hub_pid=
  rm -rf "$data"; data=
done

echo
echo "W-fanout on $(nproc) cores ($(uname -m)), ${DURATION} s steady window; hub on core 0, load on core 1"
echo
printf '| workload | N | server | µs/pkt | pkts/s forwarded | loss %% | p50 / p99 latency ms | hub RSS MiB (per endpoint KiB) | join p50 / p95 / max ms |\n'
printf '| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n'
for n in "${NS[@]}"; do
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const n = Number(process.argv[2]), rss0 = Number(process.argv[3]);
    const t = r.totals, h = r.hub || {};
    const per = h.rss_kib ? ((h.rss_kib - rss0) / (n + 1)).toFixed(0) : "?";
    const f = (x, d = 2) => (x === undefined ? "?" : Number(x).toFixed(d));
    const fail = t.failed ? ` (${t.failed} failed)` : "";
    console.log(`| W-fanout | ${n}${fail} | dienhong | ${f(h.us_per_packet)} | ${f(t.packets_per_s, 0)} | ` +
      `${f(t.loss_pct, 3)} | ${f(t.latency_p50_ms)} / ${f(t.latency_p99_ms)} | ` +
      `${f(h.rss_kib / 1024, 1)} (${per}) | ${f(t.join_p50_ms, 0)} / ${f(t.join_p95_ms, 0)} / ${f(t.join_max_ms, 0)} |`);
  ' "$OUT/fanout-$n.json" "$n" "$(cat "$OUT/rss0-$n")"
done
echo
echo "reports: $OUT (fanout-N.json, load-N.txt, hub-N.log)"
