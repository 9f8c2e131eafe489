// Debian's Chromium driven through playwright-core: one browser per test, one context (a fresh
// profile: own cookies, own camera permission) per participant, each a new page.
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';
import { artifactPath, slug, sleep, withTimeout } from './artifacts.mjs';

export const CHROMIUM_PATH = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

// The flags that work as root on the build machine (shared/ENVIRONMENT.md), plus loopback ICE
// candidates (the hub listens on 127.0.0.1) and the fake camera/microphone.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  // Tabs in the background must not be throttled: every participant is a background tab to the others.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

// page -> { label, testName } for screenshots and messages.
const pageInfo = new WeakMap();

/**
 * Start one headless Chromium. Playwright gives it a new empty user-data-dir and removes it on close.
 * executablePath: another launcher (lib/netns.mjs runs Chromium inside a test namespace); extraArgs:
 * more flags (a hub on an address other than 127.0.0.1 is not a secure origin without one).
 * Returns { browser, open(label, url), screenshotAll(suffix), close() }.
 */
export async function launchBrowser({ testName = 'test', executablePath = CHROMIUM_PATH, extraArgs = [] } = {}) {
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    timeout: 30_000,
  });
  const consoleLog = createWriteStream(artifactPath(`${slug(testName)}.browser.log`), { flags: 'w' });
  const t0 = Date.now();
  const logLine = (label, text) => {
    if (!consoleLog.writableEnded) consoleLog.write(`${((Date.now() - t0) / 1000).toFixed(3)} [${label}] ${text}\n`);
  };
  const contexts = [];
  const pages = [];

  return {
    browser,

    /**
     * A new participant: its own context and a page loaded from url (the fragment carries the token).
     * initScripts run in the page before its own scripts (page.addInitScript).
     */
    async open(label, url, { initScripts = [] } = {}) {
      const context = await browser.newContext({
        viewport: { width: 800, height: 600 },
        permissions: ['camera', 'microphone'],
      });
      contexts.push(context);
      const page = await context.newPage();
      pageInfo.set(page, { label, testName });
      pages.push(page);
      page.on('console', (m) => logLine(label, `console.${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => logLine(label, `pageerror: ${e.stack || e}`));
      page.on('crash', () => logLine(label, 'PAGE CRASHED'));
      let networkChanged = false;
      page.on('requestfailed', (r) => {
        if (/ERR_NETWORK_CHANGED/.test(r.failure()?.errorText || '')) networkChanged = true;
        logLine(label, `requestfailed: ${r.url().split('#')[0]} ${r.failure()?.errorText}`);
      });
      page.on('response', (r) => {
        if (r.status() >= 400) logLine(label, `HTTP ${r.status()} ${r.request().method()} ${r.url().split('#')[0]}`);
      });
      for (const script of initScripts) await page.addInitScript(script);
      logLine(label, `open ${url.replace(/token=[^&]*/, 'token=…')}`);
      const bare = url.split('#')[0];
      let response;
      try {
        // Not 'load': a <video> whose MediaStream has no media yet delays the load event until media
        // flows (a viewer that is there before the publisher). Readiness is judged by waitFor().
        response = await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 15_000 });
      } catch (e) {
        await screenshot(page, 'load-failed');
        throw new Error(`${label}: could not load ${bare}: ${String(e.message).split('\n')[0].split(' at ')[0]}`);
      }
      if (!response || !response.ok()) {
        await screenshot(page, 'load-failed');
        throw new Error(`${label}: GET ${bare} answered ${response ? response.status() : 'nothing'}`);
      }
      // A network interface that comes or goes (a test namespace's veth) makes Chromium fail the
      // requests in flight: the page's scripts are then half loaded. Once more, then it counts.
      await page.waitForLoadState('load', { timeout: 1_500 }).catch(() => {});
      if (networkChanged) {
        logLine(label, 'the network changed while loading: loading again');
        networkChanged = false;
        await page.reload({ waitUntil: 'domcontentloaded', timeout: 15_000 });
      }
      return page;
    },

    /** Screenshot every open page (call on failure). */
    async screenshotAll(suffix = 'failure') {
      await Promise.all(pages.map((p) => screenshot(p, suffix)));
    },

    async close() {
      for (const c of contexts) await withTimeout(c.close(), 10_000, 'context close').catch(() => {});
      await withTimeout(browser.close(), 15_000, 'browser close').catch(() => {});
      consoleLog.end();
    },
  };
}

/** Save a screenshot of page to artifacts/<test>-<label>-<suffix>.png; never throws. */
export async function screenshot(page, suffix = 'failure') {
  const info = pageInfo.get(page) || { label: 'page', testName: 'test' };
  const path = artifactPath(`${slug(info.testName)}-${slug(info.label)}-${slug(suffix)}.png`);
  try {
    await withTimeout(page.screenshot({ path, fullPage: true, timeout: 5_000 }), 8_000, 'screenshot');
    return path;
  } catch {
    return null;
  }
}

/** One snapshot of the page's window.dh: { stats, state, errors, sources }, or null before dh exists. */
export async function snapshot(page) {
  return withTimeout(
    page.evaluate(async () => {
      const dh = window.dh;
      if (!dh || typeof dh.stats !== 'function') return null;
      const stats = await dh.stats();
      const errors = Array.from(dh.errors || []).map((e) => (e && e.message ? e.message : typeof e === 'string' ? e : JSON.stringify(e)));
      let sources = null;
      try { sources = JSON.parse(JSON.stringify(dh.sources ?? null)); } catch { sources = String(dh.sources); }
      return JSON.parse(JSON.stringify({ stats, state: dh.state ?? null, errors, sources }));
    }),
    5_000,
    'window.dh.stats()',
  );
}

/** Short text of a stats object for failure messages. */
export function describeStats(stats) {
  if (!stats) return 'window.dh not ready';
  const inb = (stats.inbound || []).map((s) =>
    `in mid=${s.mid} ${s.kind} peer=${s.peer} role=${s.role} site=${s.site} ${s.codec} frames=${s.framesDecoded} pkts=${s.packetsReceived}`);
  const out = (stats.outbound || []).map((s) => `out ${s.kind} ${s.codec} pkts=${s.packetsSent} frames=${s.framesEncoded}`);
  return [...out, ...inb].join('\n    ') || '(no streams)';
}

/**
 * Poll window.dh.stats() every 500 ms until predicate(stats, snapshot) is true, and return the stats.
 * On timeout: screenshot the page into artifacts/ and throw with the last stats, state and errors.
 */
export async function waitFor(page, predicate, timeoutMs = 30_000, what = 'condition') {
  const info = pageInfo.get(page) || { label: 'page' };
  const deadline = Date.now() + timeoutMs;
  let last = null;
  let lastError = null;
  for (;;) {
    try {
      last = await snapshot(page);
      lastError = null;
      if (last && (await predicate(last.stats, last))) return last.stats;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(500, Math.max(0, deadline - Date.now())));
  }
  const shot = await screenshot(page, `timeout-${what}`);
  const lines = [
    `${info.label}: not within ${timeoutMs} ms: ${what}`,
    `  state: ${JSON.stringify(last?.state)}`,
    `  errors: ${JSON.stringify(last?.errors)}`,
    `  stats:\n    ${describeStats(last?.stats)}`,
  ];
  if (lastError) lines.push(`  last evaluate error: ${lastError.message}`);
  if (shot) lines.push(`  screenshot: ${shot}`);
  throw new Error(lines.join('\n'));
}

/**
 * Can this Chromium send and receive H.264 over WebRTC? Looks at RTCRtpSender/RTCRtpReceiver
 * capabilities and then runs a real loopback call (two peer connections in one page, fake camera,
 * H.264 forced with setCodecPreferences) for a few seconds, reading the encoder and decoder from getStats.
 * Returns { ok, reason, send: [...], recv: [...], loopback: {...} }.
 */
export async function probeH264(browser) {
  // getUserMedia needs a secure context: an http://127.0.0.1 page is one.
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>h264 probe</title>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  try {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`, { timeout: 10_000 });
    const result = await withTimeout(page.evaluate(async () => {
      const fmt = (c) => `${c.mimeType}${c.sdpFmtpLine ? ' ' + c.sdpFmtpLine : ''}`;
      const isH264 = (c) => c.mimeType.toLowerCase() === 'video/h264';
      const sendCaps = (RTCRtpSender.getCapabilities('video')?.codecs || []).filter(isH264);
      const recvCaps = (RTCRtpReceiver.getCapabilities('video')?.codecs || []).filter(isH264);
      const out = { send: sendCaps.map(fmt), recv: recvCaps.map(fmt), loopback: null };
      if (!sendCaps.length || !recvCaps.length) return out;
      const lb = { error: null };
      out.loopback = lb;
      const a = new RTCPeerConnection();
      const b = new RTCPeerConnection();
      try {
        a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate).catch(() => {});
        b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate).catch(() => {});
        const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
        const tr = a.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly' });
        // Constrained baseline, packetization-mode 1 first: what the hub accepts.
        const pref = [...sendCaps].sort((x, y) => {
          const score = (c) => (/profile-level-id=42e0/.test(c.sdpFmtpLine || '') ? 0 : /42001f/.test(c.sdpFmtpLine || '') ? 1 : 2)
            + (/packetization-mode=1/.test(c.sdpFmtpLine || '') ? 0 : 3);
          return score(x) - score(y);
        });
        try { tr.setCodecPreferences(pref); } catch (e) { lb.setCodecPreferencesError = String(e); }
        await a.setLocalDescription(await a.createOffer());
        await b.setRemoteDescription(a.localDescription);
        await b.setLocalDescription(await b.createAnswer());
        await a.setRemoteDescription(b.localDescription);
        lb.negotiated = (a.remoteDescription.sdp.match(/^a=rtpmap:\d+ \S+/m) || [''])[0];
        const deadline = Date.now() + 8000;
        for (;;) {
          await new Promise((r) => setTimeout(r, 500));
          const sa = await a.getStats();
          const sb = await b.getStats();
          const codecOf = (stats, s) => (s.codecId && stats.get(s.codecId) ? stats.get(s.codecId).mimeType : null);
          for (const s of sa.values()) {
            if (s.type === 'outbound-rtp' && s.kind === 'video') {
              lb.sendCodec = codecOf(sa, s); lb.framesEncoded = s.framesEncoded; lb.encoder = s.encoderImplementation;
            }
          }
          for (const s of sb.values()) {
            if (s.type === 'inbound-rtp' && s.kind === 'video') {
              lb.recvCodec = codecOf(sb, s); lb.framesDecoded = s.framesDecoded; lb.decoder = s.decoderImplementation;
            }
          }
          if ((lb.framesDecoded || 0) > 20 || Date.now() > deadline) break;
        }
        stream.getTracks().forEach((t) => t.stop());
      } catch (e) {
        lb.error = String(e && e.message ? e.message : e);
      } finally {
        a.close();
        b.close();
      }
      return out;
    }), 30_000, 'H.264 probe');
    const lb = result.loopback;
    let ok = false;
    let reason;
    if (!result.send.length) reason = 'this Chromium offers no H.264 encoder to WebRTC (RTCRtpSender.getCapabilities("video") lists no video/H264)';
    else if (!result.recv.length) reason = 'this Chromium offers no H.264 decoder to WebRTC (RTCRtpReceiver.getCapabilities("video") lists no video/H264)';
    else if (lb.error) reason = `H.264 loopback call failed: ${lb.error}`;
    else if (!/h264/i.test(lb.sendCodec || '') || !/h264/i.test(lb.recvCodec || '')) reason = `H.264 loopback negotiated ${lb.sendCodec}/${lb.recvCodec}, not H.264`;
    else if (!(lb.framesEncoded > 0)) reason = 'H.264 is listed but the loopback call encoded no frame';
    else if (!(lb.framesDecoded > 0)) reason = 'H.264 is listed but the loopback call decoded no frame';
    else { ok = true; reason = `H.264 works: encoder ${lb.encoder}, decoder ${lb.decoder}, ${lb.framesDecoded} frames decoded in loopback`; }
    return { ok, reason, ...result };
  } finally {
    await context.close().catch(() => {});
    server.close();
  }
}
