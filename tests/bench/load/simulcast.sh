#!/usr/bin/env bash
# Simulcast end to end (ctest: load_simulcast): a fresh hub and tests/bench/load/simulcast.conf, a
# chair publishing 3 layers, 3 sites publishing 2 layers (the first holds the floor) and an
# operator, with real ICE, DTLS and SRTP for about 10 s. Passes when nobody failed, loss is under
# 1 %, every site got the chair mostly from its top layer (2) and the floor site from its top
# layer (1), and the operator got the other sites' thumbnails mostly from their lowest layer (0).
# "Mostly" is 80 % of the window's video packets from that publisher: the hub may step a viewer
# down for a moment on a loaded machine, and that must not fail a test.
# Usage: simulcast.sh DIENHONG_BIN LOAD_BIN
set -euo pipefail
hub=${1:?usage: simulcast.sh DIENHONG_BIN LOAD_BIN}
load=${2:?usage: simulcast.sh DIENHONG_BIN LOAD_BIN}
here=$(cd "$(dirname "$0")" && pwd)
data=$(mktemp -d /tmp/dienhong-load-simulcast-XXXXXX)
pid=
trap '[[ -n $pid ]] && kill $pid 2>/dev/null; rm -rf "$data"' EXIT
port=
for p in $(shuf -i 37000-37999 -n 50); do # a range that load_smoke and the benches leave alone
  (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { port=$p; break; }
done
[[ -n $port ]] || { echo "load_simulcast: no free TCP port" >&2; exit 1; }
lo=$((32000 + (port % 192) * 4)) # below Linux's ephemeral ports, where our own sockets bind
"$hub" serve --listen "127.0.0.1:$port" --data "$data" --media-ports "$lo-$((lo + 3))" \
  --workers 1 --log-level warn >"$data/hub.log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -qs listening "$data/hub.log" && break; sleep 0.1; done
"$load" --url "ws://127.0.0.1:$port/ws" --dienhong "$hub" --data "$data" \
  --scenario "$here/simulcast.conf" --json "$data/r.json" --per-endpoint
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const bad = [];
  const share = (t, layer) => {
    const n = t.layer_packets.reduce((a, b) => a + b, 0);
    return n ? t.layer_packets[layer] / n : 0;
  };
  // Each of `who` must receive video from publishers of `kind`, mostly from `layer`.
  const expect = (who, kind, layer, count) => {
    for (const e of r.endpoints.filter(who)) {
      const ts = e.tracks.filter((t) => t.video && t.from_kind === kind);
      if (ts.length !== count) bad.push(`${e.label}: ${ts.length} ${kind} videos, expected ${count}`);
      for (const t of ts)
        if (!(share(t, layer) >= 0.8))
          bad.push(`${e.label}: ${t.from} from layer ${layer} in ${(100 * share(t, layer)).toFixed(1)} % ` +
                   `of ${t.layer_packets.join("/")} packets`);
    }
  };
  for (const e of r.endpoints) {
    if (e.error) bad.push(`${e.label}: ${e.error}`);
    if (e.role !== "chair" && !(e.packets > 0)) bad.push(`${e.label}: received nothing`);
    if (e.lost > 0.01 * e.expected) bad.push(`${e.label}: lost ${e.lost} of ${e.expected}`);
  }
  const site = (e) => e.role === "site";
  expect(site, "chair", 2, 1);
  expect((e) => site(e) && e.label !== "load-0001", "floor site", 1, 1);
  expect((e) => e.role === "operator", "site", 0, 2);
  if (r.totals.receiving !== r.totals.receivers || r.totals.receivers !== 5)
    bad.push(`receivers: ${r.totals.receiving} of ${r.totals.receivers} got media, expected 5`);
  if (bad.length) {
    console.error("load_simulcast: FAILED\n  " + bad.join("\n  "));
    process.exit(1);
  }
  const l = r.totals.layers.map((x) =>
    `${x.receiver}<-${x.publisher} ${x.share.map((s, i) => `L${i} ${(100 * s).toFixed(0)}%`).join(" ")}`);
  console.log(`load_simulcast: passed, loss ${r.totals.loss_pct.toFixed(3)} %; ${l.join("; ")}`);
' "$data/r.json"
