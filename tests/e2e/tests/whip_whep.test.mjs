// WHIP in, WHEP out, through the hub's own /whip.html and /whep.html pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, describeStats } from '../lib/browser.mjs';
import { withSession, whipWhepPageUrl, MEDIA_TIMEOUT_MS } from '../lib/meeting.mjs';

const decodesProgram = (s) =>
  (s.inbound || []).some((x) => x.kind === 'video' && x.framesDecoded > 30) &&
  (s.inbound || []).some((x) => x.kind === 'audio' && x.packetsReceived > 50);

const publishes = (s) =>
  (s.outbound || []).some((x) => x.kind === 'video' && x.packetsSent > 0) &&
  (s.outbound || []).some((x) => x.kind === 'audio' && x.packetsSent > 0);

test('a WHIP publisher (chair) is watched by a WHEP viewer (site)', { timeout: 120_000 }, async (t) => {
  await withSession('whip-whep', async ({ hub, browser }) => {
    const meeting = 'e2e-whip';
    const chairToken = await hub.token({ meeting, role: 'chair' });
    const siteToken = await hub.token({ meeting, role: 'site', site: 'ba-dinh' });

    const whip = await browser.open('whip', whipWhepPageUrl(hub, 'whip', { meeting, token: chairToken }));
    await waitFor(whip, publishes, MEDIA_TIMEOUT_MS, 'WHIP page sends audio and video packets');

    const whep = await browser.open('whep', whipWhepPageUrl(hub, 'whep', { meeting, token: siteToken }));
    const stats = await waitFor(whep, decodesProgram, MEDIA_TIMEOUT_MS,
      'WHEP viewer decodes video (>30 frames) and receives audio (>50 packets)');
    const video = stats.inbound.find((x) => x.kind === 'video' && x.framesDecoded > 30);
    assert.ok(/vp8|h\.?264/i.test(video.codec || ''), `WHEP video codec ${video.codec}`);
    for (const line of describeStats(stats).split('\n')) t.diagnostic(`whep: ${line.trim()}`);
  });
});

test('a WHEP viewer that starts before the publisher gets the program once it publishes', { timeout: 120_000 }, async (t) => {
  await withSession('whep-before-whip', async ({ hub, browser }) => {
    const meeting = 'e2e-whep-early';
    const chairToken = await hub.token({ meeting, role: 'chair' });
    const observerToken = await hub.token({ meeting, role: 'observer' });

    const whep = await browser.open('whep', whipWhepPageUrl(hub, 'whep', { meeting, token: observerToken }));
    const whip = await browser.open('whip', whipWhepPageUrl(hub, 'whip', { meeting, token: chairToken }));
    await waitFor(whip, publishes, MEDIA_TIMEOUT_MS, 'WHIP page sends audio and video packets');
    const stats = await waitFor(whep, decodesProgram, MEDIA_TIMEOUT_MS,
      'early WHEP viewer decodes video (>30 frames) and receives audio (>50 packets)');
    for (const line of describeStats(stats).split('\n')) t.diagnostic(`whep: ${line.trim()}`);
  });
});
