#!/usr/bin/env node
// Document downloads under load: the chair uploads one large PDF, then N participants fetch it at
// once, as 580 communes do when the chair shares the agenda. A real hub (tests/e2e/lib/server.mjs),
// real sockets on loopback; each client is its own keep-alive connection.
//
//   node tests/bench/bench_documents.mjs [--n 100,500] [--mb 20] [--rounds 1] [--verify]
//
// Prints, per N: the wall time until the last client has the whole file, the hub's CPU seconds
// over that time (utime + stime from /proc/PID/stat), the bytes served per wall second and per hub
// CPU second, the spread of the clients' completion times, and how long GET /health (asked every
// 100 ms on a connection of its own) took at worst meanwhile: the signaling thread that sends the
// files also runs the meetings. The clients run in this process: on a small machine they compete
// with the hub for the cores (their CPU is printed too).
// Exit status: 0 whatever the speed; 1 when a client got a wrong status or wrong bytes.
import { Agent, request } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { startHub } from '../e2e/lib/server.mjs';
import { makePdf } from '../e2e/lib/pdf.mjs';

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? true : v;
}

const NS = String(arg('n', '100,500')).split(',').map(Number).filter((n) => n > 0);
const MB = Number(arg('mb', 20));
const ROUNDS = Number(arg('rounds', 1));
const VERIFY = arg('verify', false) === true;
const TICK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** The hub's CPU seconds so far (user, system). */
function hubCpu(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 on
  return { user: Number(f[11]) / TICK, sys: Number(f[12]) / TICK };
}

// GET /health every 100 ms from a thread of its own (the downloads keep this one's event loop
// busy); answers the longest time it took when told to stop.
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const { Agent, request } = require('node:http');
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
let stop = false, worst = 0;
parentPort.on('message', () => { stop = true; });
(async () => {
  while (!stop) {
    const t0 = performance.now();
    await new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port: workerData.port, path: '/health', agent }, (res) => { res.resume(); res.on('end', resolve); });
      req.on('error', resolve);
      req.end();
    });
    worst = Math.max(worst, performance.now() - t0);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  agent.destroy();
  parentPort.postMessage(worst);
})();
`;

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One client: GET the document, count (or hash) the bytes; resolves its result. */
function fetchOnce(agent, hub, path, token, expect) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = request({ host: '127.0.0.1', port: hub.port, path, agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let n = 0;
      const hash = VERIFY ? createHash('sha256') : null;
      let head = null, tail = null;
      res.on('data', (c) => {
        if (!head) head = Buffer.from(c.subarray(0, 16));
        tail = c.length >= 16 ? c.subarray(c.length - 16) : Buffer.concat([tail || Buffer.alloc(0), c]).subarray(-16);
        n += c.length;
        if (hash) hash.update(c);
      });
      res.on('end', () => {
        const ok = res.statusCode === 200 && n === expect.size &&
          head?.equals(expect.head) && Buffer.from(tail).equals(expect.tail) &&
          (!hash || hash.digest('hex') === expect.sha256);
        resolve({ ok, status: res.statusCode, bytes: n, ms: performance.now() - t0 });
      });
      res.on('error', (e) => resolve({ ok: false, error: e.message, bytes: n, ms: performance.now() - t0 }));
    });
    req.on('error', (e) => resolve({ ok: false, error: e.message, bytes: 0, ms: performance.now() - t0 }));
    req.end();
  });
}

async function main() {
  const hub = await startHub({ name: 'bench-documents' });
  let failed = false;
  try {
    const chair = await hub.token({ meeting: 'bench', role: 'chair' });
    const site = await hub.token({ meeting: 'bench', role: 'site', site: 'ba-dinh' });
    const pdf = makePdf(40, { label: 'Bench', padBytes: MB * 1e6 });
    const t0 = performance.now();
    const up = await fetch(`${hub.url}/api/meetings/bench/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${chair}`, 'content-type': 'application/pdf', 'x-document-title': 'bench.pdf' },
      body: pdf,
    });
    const doc = await up.json();
    const upMs = performance.now() - t0;
    if (up.status !== 201) throw new Error(`upload answered ${up.status} ${JSON.stringify(doc)}`);
    const expect = { size: pdf.length, sha256: doc.sha256, head: pdf.subarray(0, 16), tail: pdf.subarray(pdf.length - 16) };
    console.log(`# dienhong document downloads: ${(pdf.length / 1e6).toFixed(1)} MB PDF, ${cpus().length} cores (${cpus()[0]?.model.trim()}), node ${process.version}`);
    console.log(`# hub ${hub.proc.pid}: ${process.env.DIENHONG_BIN || 'build/dienhong'}; upload ${upMs.toFixed(0)} ms (${(pdf.length / 1e6 / (upMs / 1000)).toFixed(0)} MB/s)${VERIFY ? '; every download hashed' : ''}`);
    console.log('    N round   wall_s  hub_cpu_s (usr+sys)   MB/s  MB/hub_cpu_s  client_cpu_s  p50_s  p99_s  max_s  health_max_ms  ok');
    for (const n of NS) {
      for (let round = 1; round <= ROUNDS; round++) {
        const agent = new Agent({ keepAlive: true, maxSockets: n });
        const c0 = hubCpu(hub.proc.pid);
        const u0 = process.cpuUsage();
        const w0 = performance.now();
        const probe = new Worker(PROBE, { eval: true, workerData: { port: hub.port } });
        const results = await Promise.all(Array.from({ length: n }, () => fetchOnce(agent, hub, doc.url, site, expect)));
        const wall = (performance.now() - w0) / 1000;
        probe.postMessage('stop');
        const healthMax = await new Promise((resolve) => probe.once('message', resolve));
        const c1 = hubCpu(hub.proc.pid);
        const u1 = process.cpuUsage(u0);
        agent.destroy();
        const user = c1.user - c0.user, sys = c1.sys - c0.sys, cpu = user + sys;
        const bytes = results.reduce((a, r) => a + r.bytes, 0);
        const ok = results.filter((r) => r.ok).length;
        const times = results.map((r) => r.ms / 1000).sort((a, b) => a - b);
        console.log(`${String(n).padStart(5)} ${String(round).padStart(5)} ${wall.toFixed(2).padStart(8)} ` +
          `${cpu.toFixed(2).padStart(10)} (${user.toFixed(2)}+${sys.toFixed(2)})`.padEnd(22) +
          `${(bytes / 1e6 / wall).toFixed(0).padStart(6)} ${(cpu > 0 ? bytes / 1e6 / cpu : 0).toFixed(0).padStart(13)} ` +
          `${((u1.user + u1.system) / 1e6).toFixed(2).padStart(13)} ${pct(times, 50).toFixed(2).padStart(6)} ` +
          `${pct(times, 99).toFixed(2).padStart(6)} ${times[times.length - 1].toFixed(2).padStart(6)} ${healthMax.toFixed(0).padStart(14)}  ${ok}/${n}`);
        if (ok !== n) {
          failed = true;
          const bad = results.find((r) => !r.ok);
          console.log(`WARNING: ${n - ok} clients failed, e.g. ${JSON.stringify(bad)}`);
        }
      }
    }
    const health = await hub.health();
    if (health.status !== 200) throw new Error('the hub is not healthy after the run');
  } finally {
    await hub.stopClean();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
