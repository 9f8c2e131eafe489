#!/usr/bin/env bash
# A short end-to-end check of dienhong-load (ctest: load_smoke): a fresh hub, one chair publishing
# and 3 sites receiving for 5 s with real ICE, DTLS and SRTP; passes when every site received
# media with under 1 % loss. About 10 s. Usage: smoke.sh DIENHONG_BIN LOAD_BIN
set -euo pipefail
hub=${1:?usage: smoke.sh DIENHONG_BIN LOAD_BIN}
load=${2:?usage: smoke.sh DIENHONG_BIN LOAD_BIN}
data=$(mktemp -d /tmp/dienhong-load-smoke-XXXXXX)
pid=
trap '[[ -n $pid ]] && kill $pid 2>/dev/null; rm -rf "$data"' EXIT
port=
for p in $(shuf -i 39000-39999 -n 50); do
  (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { port=$p; break; }
done
lo=$((33000 + (port % 1000) * 4))
"$hub" serve --listen "127.0.0.1:$port" --data "$data" --media-ports "$lo-$((lo + 3))" \
  --workers 1 --log-level warn >"$data/hub.log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -qs listening "$data/hub.log" && break; sleep 0.1; done
"$load" --url "ws://127.0.0.1:$port/ws" --dienhong "$hub" --data "$data" --sites 3 \
  --warmup 2 --duration 5 --json "$data/r.json" --per-endpoint
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const bad = r.endpoints.filter((e) => e.label !== "chair" &&
    (e.error || !(e.packets > 0) || e.lost > 0.01 * e.expected));
  if (r.totals.receiving !== 3 || bad.length) {
    console.error("load_smoke: FAILED", JSON.stringify(bad.length ? bad : r.totals));
    process.exit(1);
  }
  console.log(`load_smoke: 3 sites received ${r.totals.packets} packets, loss ${r.totals.loss_pct.toFixed(3)} %`);
' "$data/r.json"
