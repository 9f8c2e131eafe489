// Helpers shared by the browser tests: a hub + browser session that always cleans up, page links,
// and predicates over window.dh.stats().
import { startHub } from './server.mjs';
import { launchBrowser } from './browser.mjs';

/** How long media may take to flow once every page is open (E2E_MEDIA_TIMEOUT_MS overrides). */
export const MEDIA_TIMEOUT_MS = Number(process.env.E2E_MEDIA_TIMEOUT_MS) || 30_000;

/**
 * Run fn({ hub, browser }) with a fresh hub and browser. Always closes the browser and stops the hub;
 * on success also asserts the hub exits cleanly (code 0) on SIGTERM. On failure screenshots every page.
 */
export async function withSession(name, fn, { hubOptions = {} } = {}) {
  const hub = await startHub({ name, ...hubOptions });
  let browser = null;
  let ok = false;
  try {
    browser = await launchBrowser({ testName: name });
    await fn({ hub, browser });
    ok = true;
  } catch (e) {
    if (browser) await browser.screenshotAll('failure');
    if (e && typeof e.message === 'string') e.message += `\n  hub log: ${hub.logPath}`;
    throw e;
  } finally {
    if (browser) await browser.close();
    if (!ok) await hub.stop(5_000).catch(() => {});
  }
  await hub.stopClean();
}

// k=v&k=v with %-encoding (spaces as %20, which both URLSearchParams and decodeURIComponent read back).
function fragment(fields) {
  return Object.entries(fields).filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
}

/** A meeting page link: /chair.html or /site.html with the token and options in the fragment. */
export function meetingPageUrl(hub, page, { token, name = page, codec = 'vp8', res = '320x240' }) {
  return `${hub.url}/${page}.html#${fragment({ token, name, codec, res })}`;
}

/** A /whip.html or /whep.html link. */
export function whipWhepPageUrl(hub, page, { meeting, token }) {
  return `${hub.url}/${page}.html#${fragment({ meeting, token })}`;
}

export function inbound(stats, filter = {}) {
  return (stats?.inbound || []).filter((s) => Object.entries(filter).every(([k, v]) => s[k] === v));
}

/** Does an RTCStats codec name ('video/VP8', 'VP8', 'H264', ...) name this codec ('vp8' | 'h264')? */
export function codecMatches(name, codec) {
  const n = String(name || '').toLowerCase();
  return codec === 'h264' ? /h\.?264/.test(n) : n.includes(codec.toLowerCase());
}

/** The chair's video decoded (> frames) and its audio received (> packets): returns those streams or null. */
export function chairMedia(stats, { frames = 30, packets = 50 } = {}) {
  const video = inbound(stats, { role: 'chair', kind: 'video' }).find((s) => s.framesDecoded > frames);
  const audio = inbound(stats, { role: 'chair', kind: 'audio' }).find((s) => s.packetsReceived > packets);
  return video && audio ? { video, audio } : null;
}

/** Site video streams decoded (> frames), one per distinct peer. */
export function siteVideos(stats, { frames = 30 } = {}) {
  const byPeer = new Map();
  for (const s of inbound(stats, { role: 'site', kind: 'video' })) {
    if (s.framesDecoded > frames && s.peer && !byPeer.has(s.peer)) byPeer.set(s.peer, s);
  }
  return [...byPeer.values()];
}
