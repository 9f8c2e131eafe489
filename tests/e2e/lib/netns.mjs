// Test hosts behind a link the test controls: a network namespace joined to this one by a veth
// pair, with addresses of its own, where a Chromium can run and whose link can be slowed (tc tbf)
// or made lossy (nftables inside the namespace). Everything made here is removed when the test ends
// or the process exits. Needs root (CI runs as root); `unavailable()` says whether this machine
// allows namespaces, `lossUnavailable()` whether it also allows the nftables loss rules.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_PATH } from './browser.mjs';

const made = new Set();
process.on('exit', () => { for (const n of made) n.remove(); });

function sh(cmd, args) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }).toString();
}

/** null when namespaces can be made here, else the reason. */
export function unavailable() {
  if (process.getuid && process.getuid() !== 0) return 'not root';
  const probe = `dhprobe${process.pid % 100000}`;
  try {
    sh('ip', ['netns', 'add', probe]);
    sh('ip', ['netns', 'del', probe]);
    return null;
  } catch (e) {
    return `ip netns: ${String(e.stderr || e.message).trim()}`;
  }
}

/** null when random loss can be put on a namespace's link (nftables works there), else the reason. */
export function lossUnavailable() {
  const why = unavailable();
  if (why) return why;
  const probe = `dhprobe${process.pid % 100000}`;
  try {
    sh('ip', ['netns', 'add', probe]);
  } catch (e) {
    return `ip netns: ${String(e.stderr || e.message).trim()}`;
  }
  try {
    execFileSync('ip', ['netns', 'exec', probe, 'nft', '-f', '-'], {
      input: lossRules('lo', 5), stdio: ['pipe', 'pipe', 'pipe'], timeout: 10_000,
    });
    return null;
  } catch (e) {
    if (e.code === 'ENOENT' || /No such file|not found/i.test(String(e.stderr || e.message))) {
      return 'nft (Debian package nftables) is not installed';
    }
    return `nftables: ${String(e.stderr || e.message).trim()}`;
  } finally {
    try { sh('ip', ['netns', 'del', probe]); } catch { /* gone */ }
  }
}

const LOSS_TABLE = 'dhloss';

// One table: every packet through `dev` is counted, and `percent` of them, drawn at random
// independently in each direction, are dropped (and counted).
function lossRules(dev, percent) {
  const chain = (name, hook, dir) => `  chain ${name} {
    type filter hook ${hook} priority 0; policy accept;
    ${dir} "${dev}" counter
    ${dir} "${dev}" numgen random mod 100 < ${percent} counter drop
  }
`;
  return `table inet ${LOSS_TABLE} {\n${chain('rx', 'input', 'iifname')}${chain('tx', 'output', 'oifname')}}\n`;
}

/**
 * A namespace and its link: { name, hostIp, nsIp, hostDev, nsDev, exec(cmd, args), limit(kbit),
 * unlimit(), loss(percent), lossCounters(), chromium (a launcher path for launchBrowser), remove() }.
 * `index` keeps two links of one test apart (0..9).
 */
export function makeNamespace(index = 0) {
  const id = `${process.pid % 10000}${index}`;
  const name = `dh-t${id}`;
  const hostDev = `dhh${id}`;
  const nsDev = `dhn${id}`;
  const subnet = `10.${200 + index}.${(process.pid >> 8) % 250}`;
  const hostIp = `${subnet}.1`;
  const nsIp = `${subnet}.2`;
  const dir = mkdtempSync(join(tmpdir(), 'dh-netns-'));
  const ns = {
    name, hostIp, nsIp, hostDev, nsDev,
    exec: (cmd, args) => sh('ip', ['netns', 'exec', name, cmd, ...args]),
    /** Everything the hub sends into the namespace goes through a token bucket of `kbit`. */
    limit(kbit) {
      sh('tc', ['qdisc', 'replace', 'dev', hostDev, 'root', 'tbf', 'rate', `${kbit}kbit`,
        'burst', '16kb', 'latency', '200ms']);
    },
    unlimit() {
      try { sh('tc', ['qdisc', 'del', 'dev', hostDev, 'root']); } catch { /* none */ }
    },
    /**
     * Drop `percent` % of the packets on the namespace's side of the link, at random, in both
     * directions (an nftables table inside the namespace, replacing any earlier one); 0 removes it.
     */
    loss(percent) {
      ns.unloss();
      if (!(percent > 0)) return;
      if (!(percent <= 100)) throw new Error(`loss(${percent}): a percentage 0..100`);
      execFileSync('ip', ['netns', 'exec', name, 'nft', '-f', '-'], {
        input: lossRules(nsDev, Math.round(percent)), stdio: ['pipe', 'pipe', 'pipe'], timeout: 10_000,
      });
    },
    unloss() {
      try { ns.exec('nft', ['delete', 'table', 'inet', LOSS_TABLE]); } catch { /* none */ }
    },
    /** { rx: { packets, dropped }, tx: { packets, dropped } } since loss() was called, or null. */
    lossCounters() {
      let doc;
      try { doc = JSON.parse(ns.exec('nft', ['-j', 'list', 'table', 'inet', LOSS_TABLE])); } catch { return null; }
      const out = { rx: { packets: 0, dropped: 0 }, tx: { packets: 0, dropped: 0 } };
      for (const item of doc.nftables || []) {
        const r = item.rule;
        if (!r || !out[r.chain]) continue;
        const counter = r.expr.find((e) => e.counter)?.counter;
        if (!counter) continue;
        if (r.expr.some((e) => 'drop' in e)) out[r.chain].dropped = counter.packets;
        else out[r.chain].packets = counter.packets;
      }
      return out;
    },
    chromium: join(dir, 'chromium-in-netns'),
    remove() {
      made.delete(ns);
      try { sh('ip', ['link', 'del', hostDev]); } catch { /* gone with the namespace */ }
      try { sh('ip', ['netns', 'del', name]); } catch { /* already gone */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  made.add(ns);
  try {
    sh('ip', ['netns', 'add', name]);
    sh('ip', ['link', 'add', hostDev, 'type', 'veth', 'peer', 'name', nsDev]);
    sh('ip', ['link', 'set', nsDev, 'netns', name]);
    sh('ip', ['addr', 'add', `${hostIp}/24`, 'dev', hostDev]);
    sh('ip', ['link', 'set', hostDev, 'up']);
    ns.exec('ip', ['addr', 'add', `${nsIp}/24`, 'dev', nsDev]);
    ns.exec('ip', ['link', 'set', nsDev, 'up']);
    ns.exec('ip', ['link', 'set', 'lo', 'up']);
    ns.exec('ip', ['route', 'add', 'default', 'via', hostIp]);
  } catch (e) {
    ns.remove();
    throw new Error(`cannot make namespace ${name}: ${String(e.stderr || e.message).trim()}`);
  }
  // Playwright starts the browser with pipes on fds 3 and 4; `ip netns exec` keeps them.
  writeFileSync(ns.chromium, `#!/bin/sh\nexec ip netns exec ${name} ${CHROMIUM_PATH} "$@"\n`);
  chmodSync(ns.chromium, 0o755);
  return ns;
}
