// Simulcast: Chromium publishes two layers; the operator's wall thumbnail gets the small one and a
// site watching the chair gets the full one; when that site's link is squeezed (a token bucket on
// its veth, in a namespace this test makes), the hub moves it down a layer and its video keeps
// decoding. A switch up (the site is given the floor, so the operator sees it big) happens at the
// keyframe without a freeze: the hub goes on sending the small layer until then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHub } from '../lib/server.mjs';
import { launchBrowser, waitFor, snapshot } from '../lib/browser.mjs';
import { meetingPageUrl, inbound } from '../lib/meeting.mjs';
import { makeNamespace, unavailable } from '../lib/netns.mjs';
import { sleep } from '../lib/artifacts.mjs';

const RES = '640x480'; // two layers: 320x240 and 640x480 (js/meeting.js simulcastEncodings)

/** The one decoding video stream of `role` in a page's stats, or undefined. */
function videoOf(stats, role, minFrames = 10) {
  return inbound(stats, { role, kind: 'video' }).find((v) => v.framesDecoded > minFrames);
}

test('simulcast: thumbnails get the small layer, the full picture goes where it is watched, a squeezed link steps down', { timeout: 240_000 }, async (t) => {
  const why = unavailable();
  if (why) {
    t.skip(`needs network namespaces: ${why}`);
    return;
  }
  const ns = makeNamespace(0);
  let hub;
  let outside;
  let inside;
  try {
    hub = await startHub({ name: 'simulcast', host: ns.hostIp, extraArgs: ['--media-ip', ns.hostIp, '--log-level', 'debug'] });
    // Cameras are for secure origins only; the hub here is plain http on the link's address.
    const extraArgs = [`--unsafely-treat-insecure-origin-as-secure=${hub.url}`];
    outside = await launchBrowser({ testName: 'simulcast', extraArgs });
    inside = await launchBrowser({ testName: 'simulcast-netns', executablePath: ns.chromium, extraArgs });
    const meeting = 'e2e-simulcast';
    const token = (role, site) => hub.token({ meeting, role, site });
    const chair = await outside.open('chair', meetingPageUrl(hub, 'chair', { token: await token('chair'), name: 'Chủ tọa', res: RES }));
    const operator = await outside.open('operator', meetingPageUrl(hub, 'operator', { token: await token('operator'), name: 'Điều hành', res: RES }));
    const site = await inside.open('site', meetingPageUrl(hub, 'site', { token: await token('site', 'ba-dinh'), name: 'Ba Đình', res: RES }));
    await operator.evaluate(() => window.dh.wallPage(0));

    // The site watches the chair in full; the operator sees the site as a thumbnail (small layer)
    // and the chair in full.
    const full = await waitFor(site, (s) => videoOf(s, 'chair')?.frameWidth === 640, 45_000,
      "the site decodes the chair's full layer (640 wide)");
    const wall = await waitFor(operator, (s) => videoOf(s, 'site')?.frameWidth === 320 && videoOf(s, 'chair')?.frameWidth === 640,
      45_000, "the operator decodes the site's small layer (320 wide) and the chair's full layer");
    t.diagnostic(`site receives the chair at ${videoOf(full, 'chair').frameWidth}x${videoOf(full, 'chair').frameHeight}; ` +
      `the operator's thumbnail of the site is ${videoOf(wall, 'site').frameWidth}x${videoOf(wall, 'site').frameHeight}`);

    // The floor makes the site a main picture for the operator too: its stream moves up a layer.
    const small = videoOf(wall, 'site');
    await operator.evaluate(() => window.dh.giveFloor('ba-dinh'));
    const up = await waitFor(operator, (s) => videoOf(s, 'site')?.frameWidth === 640, 30_000,
      "the operator gets the site's full layer once the site holds the floor");
    const big = videoOf(up, 'site');
    t.diagnostic(`switch up: ${big.frameWidth}x${big.frameHeight}, freezes ${big.freezeCount - small.freezeCount} ` +
      `(${(big.totalFreezesDuration - small.totalFreezesDuration).toFixed(3)} s)`);
    assert.equal(big.freezeCount - small.freezeCount, 0, 'the switch up froze the picture');
    await operator.evaluate(() => window.dh.takeFloor('ba-dinh'));

    // Squeeze the site's downlink under the full layer (Chromium sends the fake camera's 640x480 at
    // about 500 kbit/s) but over the small one (about 220 kbit/s).
    ns.limit(350);
    const down = await waitFor(site, (s) => videoOf(s, 'chair')?.frameWidth === 320, 40_000,
      'the site moves down to the small layer after its link is limited to 350 kbit/s');
    const before = videoOf(down, 'chair').framesDecoded;
    await sleep(5_000);
    const later = videoOf((await snapshot(site)).stats, 'chair');
    t.diagnostic(`after the limit: ${later.frameWidth}x${later.frameHeight}, ${later.framesDecoded - before} frames decoded in 5 s`);
    assert.ok(later.framesDecoded - before >= 25, `the site keeps decoding the chair on the small layer (${later.framesDecoded - before} frames in 5 s)`);
    // Other viewers are not affected.
    const op = videoOf((await snapshot(operator)).stats, 'chair');
    assert.equal(op.frameWidth, 640, 'the operator still receives the full layer');
  } finally {
    ns.unlimit();
    await inside?.close();
    await outside?.close();
    await hub?.stopClean();
    ns.remove();
  }
});
