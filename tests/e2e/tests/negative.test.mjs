// Bad input at the protocol level (websocket with `ws`, WHIP with fetch), then proof that the meeting
// it was thrown at still works: a chair and a site exchange media through the pages.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHub } from '../lib/server.mjs';
import { HubSocket, SUBPROTOCOL } from '../lib/wsclient.mjs';
import { launchBrowser, waitFor } from '../lib/browser.mjs';
import { E2E_DIR, sleep, withTimeout } from '../lib/artifacts.mjs';
import { meetingPageUrl, chairMedia, siteVideos, MEDIA_TIMEOUT_MS } from '../lib/meeting.mjs';

// A real Chromium publish offer (Opus + VP8/H.264, loopback candidate only): tools/make-offer-fixture.mjs.
const OFFER = readFileSync(join(E2E_DIR, 'fixtures', 'publish-offer.sdp'), 'utf8');
const OFFER_NO_FINGERPRINT = OFFER.split('\r\n').filter((l) => !l.startsWith('a=fingerprint:')).join('\r\n');

const MEETING = 'e2e-neg';
const NAME = 'negative';

/** Replace one character in the middle of the token's signature (every bit there counts). */
function forge(token) {
  const dot = token.lastIndexOf('.');
  const sig = token.slice(dot + 1);
  assert.ok(sig.length > 10, `token signature too short: ${token}`);
  const i = Math.floor(sig.length / 2);
  const c = sig[i] === 'A' ? 'B' : 'A';
  return token.slice(0, dot + 1) + sig.slice(0, i) + c + sig.slice(i + 1);
}

function expectError(reply, code, what) {
  assert.ok(reply.error, `${what}: expected error ${code}, got ${JSON.stringify(reply).slice(0, 300)}`);
  assert.equal(reply.error.code, code, `${what}: error ${JSON.stringify(reply.error)}`);
  assert.equal(typeof reply.error.message, 'string', `${what}: error.message must be a string`);
  assert.ok(!('result' in reply), `${what}: a reply has result or error, not both`);
}

function expectResult(reply, what) {
  assert.ok(reply && 'result' in reply && !reply.error, `${what}: expected a result, got ${JSON.stringify(reply).slice(0, 300)}`);
  return reply.result;
}

describe('bad clients cannot hurt a meeting', { timeout: 240_000 }, () => {
  let hub;
  let sockets = [];

  const connect = async () => {
    const s = await HubSocket.connect(hub);
    sockets.push(s);
    return s;
  };
  const token = (role, extra = {}) => hub.token({ meeting: MEETING, role, ...extra });

  before(async () => {
    hub = await startHub({ name: NAME });
  });

  afterEach(() => {
    const open = sockets;
    sockets = [];
    for (const s of open) s.terminate();
    // Protocol invariants on every connection: one reply per id, JSON text frames only.
    const dups = open.flatMap((s) => s.duplicateReplies());
    const nonJson = open.flatMap((s) => s.nonJson);
    assert.deepEqual(dups, [], 'more than one reply for a request id');
    assert.deepEqual(nonJson, [], 'hub sent frames that are not JSON');
  });

  // Always stops the hub; fails if it had died during the tests or does not exit 0 on SIGTERM.
  after(async () => {
    if (hub) await hub.stopClean();
  });

  it('serves the dienhong.v1 subprotocol', async () => {
    const s = await connect();
    assert.equal(s.protocol, SUBPROTOCOL);
  });

  it('join without a token: unauthorized', async () => {
    const s = await connect();
    expectError(await s.request('join', { meeting: MEETING, name: 'no token' }), 'unauthorized', 'join without token');
  });

  it('join with a forged token (one signature character changed): unauthorized', async () => {
    const real = await token('site', { site: 'forger' });
    const forged = forge(real);
    assert.notEqual(forged, real);
    const s = await connect();
    expectError(await s.request('join', { token: forged, meeting: MEETING, name: 'forger' }), 'unauthorized', 'forged token');
    // The real token works (on a new connection): the refusal was about the signature.
    const s2 = await connect();
    expectResult(await s2.request('join', { token: real, meeting: MEETING, name: 'honest' }), 'join with the real token');
  });

  it('join with an expired token: token_expired', async () => {
    const expired = await token('site', { site: 'late', ttl: 1 });
    await sleep(2_500);
    const s = await connect();
    expectError(await s.request('join', { token: expired, meeting: MEETING, name: 'late' }), 'token_expired', 'expired token');
  });

  it("join naming another meeting than the token's: wrong_meeting", async () => {
    const tok = await token('site', { site: 'stray' });
    const s = await connect();
    expectError(await s.request('join', { token: tok, meeting: `${MEETING}-other`, name: 'stray' }), 'wrong_meeting', 'join other meeting');
  });

  it("WHIP POST to another meeting's URL: 403; without a token: 401", async () => {
    const tok = await token('chair');
    const post = (meeting, headers) => fetch(`${hub.url}/whip/${meeting}`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', ...headers },
      body: OFFER,
      signal: AbortSignal.timeout(5_000),
    });
    const other = await post(`${MEETING}-other`, { authorization: `Bearer ${tok}` });
    await other.arrayBuffer();
    assert.equal(other.status, 403, `WHIP to another meeting answered ${other.status}`);
    const anon = await post(MEETING, {});
    await anon.arrayBuffer();
    assert.equal(anon.status, 401, `WHIP without a token answered ${anon.status}`);
  });

  it('malformed JSON: bad_json with id null, and the connection still works', async () => {
    const s = await connect();
    s.sendRaw('hello {');
    const reply = await s.waitMessage((m) => m && m.error && m.id === null, 5_000, 'bad_json reply with id null');
    assert.equal(reply.error.code, 'bad_json', JSON.stringify(reply));
    const tok = await token('site', { site: 'recovered' });
    expectResult(await s.request('join', { token: tok, meeting: MEETING, name: 'after garbage' }), 'join after malformed JSON');
  });

  it('publish before join: not_joined', async () => {
    const s = await connect();
    expectError(await s.request('publish', { sdp: OFFER }), 'not_joined', 'publish before join');
  });

  it('an offer without a=fingerprint: bad_sdp', async () => {
    assert.ok(OFFER.includes('a=fingerprint:') && !OFFER_NO_FINGERPRINT.includes('a=fingerprint:'));
    const s = await connect();
    const tok = await token('site', { site: 'nofp' });
    expectResult(await s.request('join', { token: tok, meeting: MEETING, name: 'no fingerprint' }), 'join');
    expectError(await s.request('publish', { sdp: OFFER_NO_FINGERPRINT }), 'bad_sdp', 'publish without fingerprint');
  });

  it('unknown request type: unknown_type', async () => {
    const s = await connect();
    const tok = await token('site', { site: 'curious' });
    expectResult(await s.request('join', { token: tok, meeting: MEETING, name: 'curious' }), 'join');
    expectError(await s.request('frobnicate', {}), 'unknown_type', 'unknown type');
    // Still usable afterwards.
    expectResult(await s.request('leave', {}), 'leave after unknown_type');
  });

  it('a 100 KiB message: too_large, then close 1009', async () => {
    const s = await connect();
    const big = JSON.stringify({ id: 99, type: 'join', name: 'x'.repeat(100 * 1024) });
    assert.ok(big.length > 100 * 1024);
    s.sendRaw(big);
    const reply = await s.waitMessage((m) => m && m.error, 5_000, 'too_large error');
    assert.equal(reply.error.code, 'too_large', JSON.stringify(reply).slice(0, 300));
    const closed = await withTimeout(s.closed, 5_000, 'close after too_large');
    assert.equal(closed.code, 1009, `close code ${closed.code} (${closed.reason})`);
  });

  it('20 malformed messages: the connection is closed with 1008', async () => {
    const s = await connect();
    for (let i = 0; i < 25 && !s.closeInfo; i++) {
      s.sendRaw(`not json ${i}`);
      await sleep(10);
    }
    const closed = await withTimeout(s.closed, 5_000, 'close after 20 malformed messages');
    assert.equal(closed.code, 1008, `close code ${closed.code} (${closed.reason})`);
    const badJson = s.messages.filter((m) => m && m.id === null && m.error?.code === 'bad_json').length;
    assert.ok(badJson >= 19, `only ${badJson} bad_json replies before the close`);
  });

  it('the meeting is unharmed: a chair and a site still exchange media', { timeout: 120_000 }, async () => {
    const chairToken = await token('chair');
    const siteToken = await token('site', { site: 'ba-dinh' });
    const b = await launchBrowser({ testName: `${NAME}-meeting` });
    try {
      const chair = await b.open('chair', meetingPageUrl(hub, 'chair', { token: chairToken, name: 'Chủ tọa' }));
      const site = await b.open('site', meetingPageUrl(hub, 'site', { token: siteToken, name: 'Ba Đình' }));
      await Promise.all([
        waitFor(chair, (s) => siteVideos(s).length >= 1, MEDIA_TIMEOUT_MS, "chair decodes the site's video (>30 frames)"),
        waitFor(site, (s) => chairMedia(s) !== null, MEDIA_TIMEOUT_MS, "site decodes the chair's video and receives its audio"),
      ]);
    } catch (e) {
      await b.screenshotAll('failure');
      e.message += `\n  hub log: ${hub.logPath}`;
      throw e;
    } finally {
      await b.close();
    }
    const h = await hub.health();
    assert.equal(h.status, 200);
  });
});
