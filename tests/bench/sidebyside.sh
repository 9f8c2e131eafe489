#!/usr/bin/env bash
# dienhong and Janus side by side (BENCH.md "Side by side, in one run"): the same load (W-fanout
# unless SCENARIO names another scenario file, e.g. W-580-like.conf) from
# the same dienhong-load binary (same media file, packet sizes, rates and N; only the signaling
# differs: --backend janus speaks Janus's VideoRoom API), against dienhong and then against Janus
# (Debian `janus`, VideoRoom), one server at a time, for each N. Prints the BENCH.md table with
# both servers per N and, last, the ratio dienhong/Janus of server CPU per forwarded packet.
#
# Janus never offers loopback candidates, so both ends live in network namespaces this script makes:
# the servers in one, the load generator in another, joined by a veth pair (10.250.0.1 and .2).
# With 2+ cores the server is pinned to core 0 and the load to core 1 (taskset). Needs root. It
# removes every namespace, process and temporary folder it made, on success, failure or Ctrl-C.
# Figures, never a pass/fail; not run in CI.
#
# Usage: tests/bench/sidebyside.sh [-d SECONDS] [N...]     (default: 20 s steady window, 50 100 200)
# Env:   BUILD=build (dienhong and clients/load/dienhong-load), WARMUP=5, OUT=<dir for the reports>
#        (default: a new temporary directory, kept), SERVERS="dienhong janus", JANUS_LEVEL=3
#        (Janus's log level: 4 shows ICE and DTLS progress), RTP_PORTS=20000-20999 (Janus),
#        JANUS=janus (its binary; when there is none, dienhong runs alone and the script exits 0),
#        SCENARIO=tests/bench/load/W-fanout.conf (N is its `sites`), LOAD_ARGS="--set record=no"
#        (more dienhong-load options, word-split; Janus records nothing, so compare without)
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=20
if [[ ${1:-} == -d ]]; then DURATION=$2; shift 2; fi
NS_LIST=("$@")
[[ ${#NS_LIST[@]} -gt 0 ]] || NS_LIST=(50 100 200)
BUILD=${BUILD:-build}
WARMUP=${WARMUP:-5}
SERVERS=${SERVERS:-dienhong janus}
JANUS_LEVEL=${JANUS_LEVEL:-3}
RTP_PORTS=${RTP_PORTS:-20000-20999}
JANUS=${JANUS:-janus}
HUB=$BUILD/dienhong
LOAD=$BUILD/clients/load/dienhong-load
SCENARIO=${SCENARIO:-tests/bench/load/W-fanout.conf}
LOAD_ARGS=${LOAD_ARGS:-}
WORKLOAD=$(sed -n 's/^name *= *//p' "$SCENARIO" | head -1)
WORKLOAD=${WORKLOAD:-$(basename "$SCENARIO" .conf)}
SRV_IP=10.250.0.1
LOAD_IP=10.250.0.2
HUB_PORT=8080
WS_PORT=8188
HTTP_PORT=8088

say() { echo "sidebyside.sh: $*" >&2; }
bins=("$LOAD")
[[ " $SERVERS " == *" dienhong "* ]] && bins+=("$HUB")
for b in "${bins[@]}"; do
  [[ -x $b ]] || { say "$b not built (cmake --build $BUILD -j2)"; exit 1; }
done
[[ $(id -u) -eq 0 ]] || { say "needs root to make network namespaces (ip netns)"; exit 1; }
if [[ " $SERVERS " == *" janus "* ]] && ! command -v "$JANUS" >/dev/null; then
  say "$JANUS is not installed (Debian: apt-get install janus): running dienhong only"
  SERVERS=dienhong
fi

# Names of our own, so that two runs (or a run and the e2e tests) never meet.
ID=$(($$ % 100000))
NS_SRV=dh-srv$ID
NS_LOAD=dh-load$ID
TMP=$(mktemp -d /tmp/dienhong-sidebyside-XXXXXX)
OUT=${OUT:-$(mktemp -d /tmp/dienhong-sidebyside-out-XXXXXX)}
mkdir -p "$OUT"
if [[ $(nproc) -ge 2 ]]; then PIN_SRV=(taskset -c 0); PIN_LOAD=(taskset -c 1); else PIN_SRV=(); PIN_LOAD=(); fi

srv_pid=
load_pid=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local pid
  for pid in $load_pid $srv_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  # Deleting a namespace deletes the veth end in it, and with it the pair.
  ip netns del "$NS_SRV" 2>/dev/null || true
  ip netns del "$NS_LOAD" 2>/dev/null || true
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM

in_srv() { ip netns exec "$NS_SRV" "$@"; }
in_load() { ip netns exec "$NS_LOAD" "$@"; }

make_namespaces() {
  ip netns add "$NS_SRV"
  ip netns add "$NS_LOAD"
  ip link add "dhs$ID" type veth peer name "dhl$ID"
  ip link set "dhs$ID" netns "$NS_SRV"
  ip link set "dhl$ID" netns "$NS_LOAD"
  in_srv ip addr add "$SRV_IP/24" dev "dhs$ID"
  in_load ip addr add "$LOAD_IP/24" dev "dhl$ID"
  for ns in "$NS_SRV" "$NS_LOAD"; do
    ip netns exec "$ns" ip link set lo up
  done
  in_srv ip link set "dhs$ID" up
  in_load ip link set "dhl$ID" up
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# Waits until something listens on the server's TCP port (from the load's side of the link).
wait_port() {
  local port=$1 log=$2
  for _ in $(seq 100); do
    in_load bash -c "exec 3<>/dev/tcp/$SRV_IP/$port" 2>/dev/null && return 0
    kill -0 "$srv_pid" 2>/dev/null || { say "the server died:"; tail -20 "$log" >&2; return 1; }
    sleep 0.1
  done
  say "nothing listens on $SRV_IP:$port"; tail -20 "$log" >&2
  return 1
}

# A Janus configuration of our own: /etc/janus as packaged, with the core, both transports and
# VideoRoom from tests/bench/janus/*.in.
janus_config() {
  local dir=$TMP/janus-etc libdir
  rm -rf "$dir"
  mkdir -p "$dir"
  cp /etc/janus/*.jcfg "$dir"/
  libdir=$(sed -n 's/^\s*plugins_folder\s*=\s*"\(.*\)\/plugins".*/\1/p' /etc/janus/janus.jcfg | head -1)
  [[ -n $libdir ]] || libdir=$(dirname "$(dirname "$(ls /usr/lib/*/janus/plugins/libjanus_videoroom.so | head -1)")")
  for t in tests/bench/janus/*.jcfg.in; do
    sed -e "s|@CONFIGS@|$dir|g" -e "s|@LIBDIR@|$libdir|g" -e "s|@IP@|$SRV_IP|g" \
      -e "s|@PORTS@|$RTP_PORTS|g" -e "s|@LEVEL@|$JANUS_LEVEL|g" -e "s|@WS_PORT@|$WS_PORT|g" \
      -e "s|@HTTP_PORT@|$HTTP_PORT|g" "$t" >"$dir/$(basename "$t" .in)"
  done
  echo "$dir"
}

start_server() { # server n -> sets srv_pid, writes $OUT/<server>-<n>.log
  local server=$1 n=$2 log=$OUT/$1-$n.log
  if [[ $server == dienhong ]]; then
    data=$TMP/data-$n
    mkdir -p "$data"
    # Not through in_srv: $! must be the server itself (ip netns exec and taskset exec it).
    ip netns exec "$NS_SRV" "${PIN_SRV[@]}" "$HUB" serve --listen "$SRV_IP:$HUB_PORT" --data "$data" \
      --media-ip "$SRV_IP" --media-ports 30000-30009 --log-level warn >"$log" 2>&1 &
    srv_pid=$!
    wait_port "$HUB_PORT" "$log"
  else
    local cfg
    cfg=$(janus_config)
    ip netns exec "$NS_SRV" "${PIN_SRV[@]}" "$JANUS" --config "$cfg/janus.jcfg" --configs-folder "$cfg" \
      --debug-level "$JANUS_LEVEL" >"$log" 2>&1 &
    srv_pid=$!
    wait_port "$WS_PORT" "$log"
  fi
}

stop_server() {
  kill "$srv_pid" 2>/dev/null || true
  wait "$srv_pid" 2>/dev/null || true
  srv_pid=
}

run_load() { # server n
  local server=$1 n=$2 args
  if [[ $server == dienhong ]]; then
    args=(--url "ws://$SRV_IP:$HUB_PORT/ws" --dienhong "$HUB" --data "$data")
  else
    args=(--backend janus --url "ws://$SRV_IP:$WS_PORT/")
  fi
  # In the background and waited for, so that a signal reaches our trap at once.
  ip netns exec "$NS_LOAD" "${PIN_LOAD[@]}" "$LOAD" "${args[@]}" --bind "$LOAD_IP" \
    --scenario "$SCENARIO" --sites "$n" --duration "$DURATION" --warmup "$WARMUP" $LOAD_ARGS \
    --hub-pid "$srv_pid" --json "$OUT/$server-$n.json" >"$OUT/$server-$n.txt" \
    2>"$OUT/load-$server-$n.log" &
  load_pid=$!
  wait "$load_pid" || say "dienhong-load ended with status $? (see load-$server-$n.log)"
  load_pid=
}

make_namespaces
say "namespaces $NS_SRV ($SRV_IP) and $NS_LOAD ($LOAD_IP); reports in $OUT"
for n in "${NS_LIST[@]}"; do
  for server in $SERVERS; do
    start_server "$server" "$n"
    sleep 1
    rss_kib "$srv_pid" >"$OUT/$server-$n.rss0"
    say "N=$n against $server (pid $srv_pid, RSS $(cat "$OUT/$server-$n.rss0") KiB idle)"
    run_load "$server" "$n"
    stop_server
  done
done

echo
echo "$WORKLOAD side by side on $(nproc) cores ($(uname -m)), ${DURATION} s steady window;" \
  "servers on core 0, load on core 1; N sites; scenario $SCENARIO"
echo
node - "$OUT" "$SERVERS" "$WORKLOAD" "${NS_LIST[@]}" <<'EOF'
const fs = require('fs');
const [out, servers, workload, ...ns] = process.argv.slice(2);
const f = (x, d = 2) => (x === undefined || x === null || Number.isNaN(x) ? '?' : Number(x).toFixed(d));
const read = (s, n) => {
  try {
    return { r: JSON.parse(fs.readFileSync(`${out}/${s}-${n}.json`, 'utf8')),
             rss0: Number(fs.readFileSync(`${out}/${s}-${n}.rss0`, 'utf8')) };
  } catch { return null; }
};
console.log('| workload | N | server | µs/pkt | pkts/s forwarded | loss % | p50 / p99 latency ms | ' +
  'server RSS MiB (per endpoint KiB) | join p50 / p95 / max ms |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
const ratios = [];
for (const n of ns) {
  const per = {};
  for (const s of servers.split(' ')) {
    const x = read(s, n);
    if (!x) { console.log(`| ${workload} | ${n} | ${s} | no report (see ${s}-${n}.log) | | | | | |`); continue; }
    const t = x.r.totals, h = x.r.hub || {};
    per[s] = h.us_per_packet;
    const kib = h.rss_kib ? ((h.rss_kib - x.rss0) / (Number(n) + 1)).toFixed(0) : '?';
    const fail = t.failed ? ` (${t.failed} failed)` : '';
    console.log(`| ${workload} | ${n}${fail} | ${s} | ${f(h.us_per_packet)} | ${f(t.packets_per_s, 0)} | ` +
      `${f(t.loss_pct, 3)} | ${f(t.latency_p50_ms)} / ${f(t.latency_p99_ms)} | ` +
      `${f(h.rss_kib / 1024, 1)} (${kib}) | ${f(t.join_p50_ms, 0)} / ${f(t.join_p95_ms, 0)} / ${f(t.join_max_ms, 0)} |`);
  }
  if (per.dienhong && per.janus) ratios.push(`N=${n}: ${(per.dienhong / per.janus).toFixed(2)}`);
}
console.log();
if (ratios.length)
  console.log(`dienhong/Janus, server CPU per forwarded packet: ${ratios.join(', ')}`);
EOF
echo
echo "reports: $OUT (<server>-N.json and .txt, <server>-N.log, load-<server>-N.log)"
