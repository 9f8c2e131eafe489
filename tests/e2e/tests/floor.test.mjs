// The chair runs a meeting of four communes in Chromium: sites join muted, one asks to speak, the
// chair gives it the floor and every other site hears it (and did not before, though its page was
// sending); the floor is taken back; mute all; a kicked site cannot come back with the same token;
// a site whose network drops rejoins by itself and the roll still counts it once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, snapshot } from '../lib/browser.mjs';
import { withSession, meetingPageUrl, chairMedia, inbound, MEDIA_TIMEOUT_MS } from '../lib/meeting.mjs';
import { sleep } from '../lib/artifacts.mjs';

const SITES = ['ba-dinh', 'hoan-kiem', 'tay-ho', 'long-bien'];

/** Audio packets a page has received from one site (0 when it receives none). */
function audioFrom(stats, site) {
  return inbound(stats, { role: 'site', kind: 'audio' })
    .filter((s) => s.site === site)
    .reduce((n, s) => n + (s.packetsReceived || 0), 0);
}

async function hook(page, expr, arg) {
  return page.evaluate(([e, a]) => window.dh[e](...(a === undefined ? [] : [a])), [expr, arg]);
}

async function until(page, fn, arg, what, timeout = MEDIA_TIMEOUT_MS) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 250 });
  } catch (e) {
    const snap = await snapshot(page).catch(() => null);
    throw new Error(`not within ${timeout} ms: ${what}\n  state: ${snap?.state}\n  errors: ${JSON.stringify(snap?.errors)}`);
  }
}

test('the chair gives the floor; sites are heard only with it', { timeout: 240_000 }, async () => {
  await withSession('floor', async ({ hub, browser }) => {
    const meeting = 'e2e-floor';
    const chairToken = await hub.token({ meeting, role: 'chair' });
    const opToken = await hub.token({ meeting, role: 'operator' });
    const siteTokens = Object.fromEntries(await Promise.all(
      SITES.map(async (s) => [s, await hub.token({ meeting, role: 'site', site: s })])));

    const chair = await browser.open('chair', meetingPageUrl(hub, 'chair', { token: chairToken, name: 'Chủ tọa' }));
    const operator = await browser.open('operator', meetingPageUrl(hub, 'operator', { token: opToken, name: 'Điều hành' }));
    const sites = {};
    for (const s of SITES) sites[s] = await browser.open(`site-${s}`, meetingPageUrl(hub, 'site', { token: siteTokens[s], name: s }));

    // Everyone sees and hears the chair.
    await Promise.all(SITES.map((s) => waitFor(sites[s], (st) => chairMedia(st) !== null, MEDIA_TIMEOUT_MS,
      `${s} decodes the chair`)));

    // Joined muted: ba-dinh's page sends audio, nobody else receives it.
    await waitFor(sites['ba-dinh'], (st) => (st.outbound || []).some((o) => o.kind === 'audio' && o.packetsSent > 50),
      MEDIA_TIMEOUT_MS, 'ba-dinh sends audio');
    await sleep(2_000);
    for (const s of ['hoan-kiem', 'tay-ho', 'long-bien']) {
      const st = (await snapshot(sites[s])).stats;
      assert.equal(audioFrom(st, 'ba-dinh'), 0, `${s} must not hear ba-dinh before it has the floor`);
    }

    // ba-dinh asks to speak; the chair sees the hand and gives the floor.
    await hook(sites['ba-dinh'], 'raiseHand');
    await until(chair, () => (window.dh.floor?.queue || []).some((q) => q.site === 'ba-dinh'), undefined,
      'the chair sees ba-dinh in the queue', 10_000);
    await hook(chair, 'giveFloor', 'ba-dinh');
    await until(sites['ba-dinh'], () => window.dh.floor?.floor === true, undefined, 'ba-dinh is told it has the floor', 10_000);
    for (const s of ['hoan-kiem', 'tay-ho', 'long-bien']) {
      await waitFor(sites[s], (st) => audioFrom(st, 'ba-dinh') > 50, MEDIA_TIMEOUT_MS, `${s} hears ba-dinh`);
    }

    // The floor is taken back: the audio stops reaching the others.
    await hook(chair, 'takeFloor', 'ba-dinh');
    await sleep(2_000);
    const before = audioFrom((await snapshot(sites['tay-ho'])).stats, 'ba-dinh');
    await sleep(3_000);
    const after = audioFrom((await snapshot(sites['tay-ho'])).stats, 'ba-dinh');
    assert.ok(after - before < 10, `tay-ho still receives ba-dinh after the floor was taken (${before} -> ${after})`);

    // Two sites speak, then mute all silences both.
    await hook(operator, 'giveFloor', 'ba-dinh');
    await hook(operator, 'giveFloor', 'hoan-kiem');
    await waitFor(sites['tay-ho'], (st) => audioFrom(st, 'hoan-kiem') > 50 && audioFrom(st, 'ba-dinh') > before + 50,
      MEDIA_TIMEOUT_MS, 'tay-ho hears both speakers');
    await hook(chair, 'muteAll');
    await until(sites['hoan-kiem'], () => window.dh.floor && window.dh.floor.floor === false && (window.dh.floor.holders || []).length === 0,
      undefined, 'hoan-kiem is told nobody holds the floor', 10_000);

    // Kick: long-bien is sent away and its token is dead.
    await hook(operator, 'kick', 'long-bien');
    await until(sites['long-bien'], () => !!window.dh.kicked, undefined, 'long-bien is told it was kicked', 10_000);
    const again = await browser.open('site-long-bien-again', meetingPageUrl(hub, 'site', { token: siteTokens['long-bien'], name: 'long-bien' }));
    await until(again, () => (window.dh.errors || []).some((e) => e.code === 'revoked'), undefined,
      'the kicked token is refused (revoked)', 15_000);

    // The wall shows each connected site's round trip, measured from its receiver reports.
    await until(operator, () => (window.dh.wall || []).some((s) => s.site === 'ba-dinh' && s.connected && s.rtt_ms > 0),
      undefined, "the operator wall shows ba-dinh's round-trip time", 15_000);

    // tay-ho's network drops: its page rejoins by itself; the roll counts one tay-ho, present.
    await sites['tay-ho'].evaluate(() => window.dh.testDropSocket());
    await until(sites['tay-ho'], () => window.dh.reconnects >= 1 && window.dh.state === 'publishing', undefined,
      'tay-ho rejoins by itself', 30_000);
    await waitFor(sites['tay-ho'], (st) => chairMedia(st, { frames: 10, packets: 10 }) !== null, MEDIA_TIMEOUT_MS,
      'tay-ho decodes the chair again after rejoining');
    await hook(operator, 'refreshRoll');
    await until(operator, () => {
      const rows = (window.dh.roll || []).filter((r) => r.site === 'tay-ho');
      return rows.length === 1 && rows[0].state === 'present' && rows[0].joins >= 2;
    }, undefined, 'the roll shows tay-ho once, present, joined twice', 10_000);
  });
});
