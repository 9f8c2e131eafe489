// Start and stop a real dienhong hub for one test: free HTTP port, fresh data dir, own media port range,
// stderr/stdout collected into artifacts/<test>.log. Every hub started here is killed and its data dir
// removed when the node process exits, even after a failed test.
import { spawn, execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, accessSync, constants as fsc } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, artifactPath, slug, withTimeout } from './artifacts.mjs';

const execFileP = promisify(execFile);

export const DIENHONG_BIN = process.env.DIENHONG_BIN || join(REPO_ROOT, 'build', 'dienhong');

const live = new Set(); // hubs not yet stopped: killed on exit

process.on('exit', () => {
  for (const hub of live) {
    try { hub.proc.kill('SIGKILL'); } catch { /* already gone */ }
    if (hub.ownsDataDir) try { rmSync(hub.dataDir, { recursive: true, force: true }); } catch { /* best effort */ }
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => process.exit(sig === 'SIGINT' ? 130 : 143));
}

/** Throws a clear error when the hub binary is missing (build it first). */
export function assertBinary() {
  try {
    accessSync(DIENHONG_BIN, fsc.X_OK);
  } catch {
    throw new Error(`dienhong binary not found or not executable at ${DIENHONG_BIN}: build it with ` +
      '`cmake -S . -B build && cmake --build build -j2`, or set DIENHONG_BIN');
  }
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freeTcpPort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function udpPortFree(port) {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => { s.close(); resolve(false); });
    s.bind(port, '0.0.0.0', () => s.close(() => resolve(true)));
  });
}

// Media port ranges: MEDIA_SPAN-port slots between 20000 and 32000 (below Linux's ephemeral range, so
// Chromium's own sockets never land in them). The start slot depends on the pid and a counter, so two
// test processes (or two hubs in one) take different slots; a slot is used only if every port in it can
// be bound right now.
const MEDIA_LO = 20000;
const MEDIA_SPAN = 100;
const MEDIA_SLOTS = Math.floor((32000 - MEDIA_LO) / MEDIA_SPAN);
let mediaCounter = 0;

export async function freeMediaRange(span = MEDIA_SPAN) {
  const start = (process.pid * 7 + mediaCounter++ * 13) % MEDIA_SLOTS;
  for (let i = 0; i < MEDIA_SLOTS; i++) {
    const lo = MEDIA_LO + ((start + i) % MEDIA_SLOTS) * MEDIA_SPAN;
    let ok = true;
    for (let p = lo; p < lo + span && ok; p++) ok = await udpPortFree(p);
    if (ok) return { lo, hi: lo + span - 1 };
  }
  throw new Error('no free UDP media port range between 20000 and 32000');
}

/**
 * Start a hub. Options: name (the test name: names the log), mediaSpan, extraArgs, readyTimeoutMs;
 * port and dataDir to start it where an earlier hub ran (a restart): a dataDir given here belongs to
 * the caller and is never removed; host: the address it listens on (a test namespace's gateway).
 * Returns a hub: { url, wsUrl, port, dataDir, media, logPath, token(opts), health(), stop(), kill(), exited }.
 */
export async function startHub({ name = 'test', mediaSpan = MEDIA_SPAN, extraArgs = [], readyTimeoutMs = 15_000, port: fixedPort, dataDir: givenDataDir, host = '127.0.0.1' } = {}) {
  assertBinary();
  const ownsDataDir = !givenDataDir;
  const dataDir = givenDataDir || mkdtempSync(join(tmpdir(), 'dienhong-e2e-'));
  const port = fixedPort || await freeTcpPort();
  const media = await freeMediaRange(mediaSpan);
  const logPath = artifactPath(`${slug(name)}.log`);
  const log = createWriteStream(logPath, { flags: 'w' });
  const args = ['serve', '--listen', `${host}:${port}`, '--data', dataDir, '--media-ports', `${media.lo}-${media.hi}`, ...extraArgs];
  log.write(`# ${DIENHONG_BIN} ${args.join(' ')}\n`);

  const proc = spawn(DIENHONG_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  const hub = {
    proc, port, dataDir, ownsDataDir, media, logPath,
    url: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}/ws`,
    stopped: false,
  };
  live.add(hub);

  let stderrText = '';
  const readyRe = new RegExp(`listening on http://${host.replace(/\./g, '\\.')}:${port}\\b`);
  let markReady;
  const ready = new Promise((resolve) => { markReady = resolve; });
  proc.stdout.on('data', (d) => { if (!log.writableEnded) log.write(d); });
  proc.stderr.on('data', (d) => {
    if (!log.writableEnded) log.write(d);
    if (stderrText.length < 1 << 20) stderrText += d.toString();
    if (readyRe.test(stderrText)) markReady();
  });
  hub.exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      hub.exitStatus = { code, signal };
      if (!log.writableEnded) log.end(`\n# exited code=${code} signal=${signal}\n`);
      resolve({ code, signal });
    });
    proc.on('error', (err) => {
      hub.exitStatus = { code: null, signal: null, error: err };
      resolve(hub.exitStatus);
    });
  });

  hub.logTail = (n = 40) => stderrText.split('\n').slice(-n).join('\n');

  hub.health = async () => {
    const res = await fetch(`${hub.url}/health`, { signal: AbortSignal.timeout(3_000) });
    const body = await res.text();
    let json = null;
    try { json = JSON.parse(body); } catch { /* reported below */ }
    return { status: res.status, json, body };
  };

  /** Mint a token with the hub's own key: { meeting, role, site?, ttl? } -> 'dh1....' */
  hub.token = async ({ meeting, role, site, ttl } = {}) => {
    const targs = ['token', '--data', dataDir, '--meeting', meeting, '--role', role];
    if (site) targs.push('--site', site);
    if (ttl !== undefined) targs.push('--ttl', String(ttl));
    const { stdout } = await execFileP(DIENHONG_BIN, targs, { timeout: 10_000 });
    const tok = stdout.trim().split('\n').pop().trim();
    if (!tok.startsWith('dh1.')) throw new Error(`dienhong token printed ${JSON.stringify(stdout)}`);
    return tok;
  };

  /** SIGTERM, wait up to timeoutMs; resolves { code, signal }. Kills with SIGKILL if it hangs. */
  hub.stop = async (timeoutMs = 10_000) => {
    if (!hub.stopped) {
      hub.stopped = true;
      if (!hub.exitStatus) proc.kill('SIGTERM');
      const res = await withTimeout(hub.exited, timeoutMs, 'hub exit after SIGTERM').catch(() => null);
      if (!res) {
        proc.kill('SIGKILL');
        await hub.exited;
        hub.stopHung = true;
      }
      live.delete(hub);
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    }
    return { ...hub.exitStatus, hung: !!hub.stopHung };
  };

  /** Stop and throw unless the hub exited by itself with code 0 after SIGTERM. */
  hub.stopClean = async (timeoutMs = 10_000) => {
    const wasDead = !!hub.exitStatus;
    const st = await hub.stop(timeoutMs);
    if (wasDead) throw new Error(`hub had already exited (code=${st.code} signal=${st.signal}) before stop; log ${logPath}:\n${hub.logTail()}`);
    if (st.hung) throw new Error(`hub did not exit within ${timeoutMs} ms of SIGTERM (killed); log ${logPath}`);
    if (st.code !== 0) throw new Error(`hub exited with code=${st.code} signal=${st.signal} after SIGTERM; log ${logPath}:\n${hub.logTail()}`);
    return st;
  };

  try {
    const outcome = await withTimeout(Promise.race([
      ready.then(() => 'ready'),
      hub.exited.then(() => 'exited'),
    ]), readyTimeoutMs, `hub ready line "listening on ${hub.url}"`);
    if (outcome === 'exited') {
      const st = hub.exitStatus;
      throw new Error(`hub exited before it was ready (code=${st.code} signal=${st.signal}${st.error ? ' ' + st.error.message : ''}); log ${logPath}:\n${hub.logTail()}`);
    }
    const h = await hub.health();
    if (h.status !== 200 || !h.json) throw new Error(`GET /health answered ${h.status} ${h.body.slice(0, 200)}`);
  } catch (e) {
    await hub.stop(3_000).catch(() => {});
    if (!/log /.test(e.message)) e.message += `\nhub log ${logPath}:\n${hub.logTail()}`;
    throw e;
  }
  return hub;
}
