// A chair and three sites meet through the real pages, once with VP8 and once with H.264.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, probeH264, describeStats, snapshot } from '../lib/browser.mjs';
import { withSession, meetingPageUrl, chairMedia, siteVideos, codecMatches, MEDIA_TIMEOUT_MS } from '../lib/meeting.mjs';

const SITES = ['ba-dinh', 'hoan-kiem', 'tay-ho'];

for (const codec of ['vp8', 'h264']) {
  test(`a chair and three sites meet (${codec})`, { timeout: 180_000 }, async (t) => {
    await withSession(`meeting-${codec}`, async ({ hub, browser }) => {
      if (codec === 'h264') {
        // Debian's Chromium 156 has OpenH264 (encoder) and FFmpeg (decoder) for WebRTC; check, not assume.
        const probe = await probeH264(browser.browser);
        t.diagnostic(`H.264 probe: ${probe.reason}`);
        if (!probe.ok) {
          const why = `Chromium at ${process.env.CHROMIUM_BIN || '/usr/bin/chromium'} cannot do H.264 in WebRTC: ${probe.reason}`;
          console.log(`SKIP meeting (h264): ${why}`);
          t.skip(why);
          return;
        }
      }

      const meeting = `e2e-meet-${codec}`;
      const chairToken = await hub.token({ meeting, role: 'chair' });
      const siteTokens = await Promise.all(SITES.map((site) => hub.token({ meeting, role: 'site', site })));

      const chair = await browser.open('chair', meetingPageUrl(hub, 'chair', { token: chairToken, name: 'Chủ tọa', codec }));
      const sites = [];
      for (const [i, site] of SITES.entries()) {
        sites.push(await browser.open(`site-${site}`, meetingPageUrl(hub, 'site', { token: siteTokens[i], name: `Điểm cầu ${site}`, codec })));
      }

      // Everyone in parallel, all within the same window from now.
      const [chairStats, ...siteStats] = await Promise.all([
        waitFor(chair, (s) => siteVideos(s).length >= SITES.length, MEDIA_TIMEOUT_MS,
          `chair decodes video (>30 frames) from ${SITES.length} distinct site peers`),
        ...sites.map((p) => waitFor(p, (s) => chairMedia(s) !== null, MEDIA_TIMEOUT_MS,
          "site decodes the chair's video (>30 frames) and receives its audio (>50 packets)")),
      ]);

      for (const v of siteVideos(chairStats)) {
        assert.ok(codecMatches(v.codec, codec), `chair receives site ${v.site || v.peer} as ${v.codec}, expected ${codec}`);
      }
      for (const [i, s] of siteStats.entries()) {
        const { video, audio } = chairMedia(s);
        assert.ok(codecMatches(video.codec, codec), `site ${SITES[i]} receives the chair's video as ${video.codec}, expected ${codec}`);
        assert.ok(/opus/i.test(audio.codec || ''), `site ${SITES[i]} receives the chair's audio as ${audio.codec}, expected opus`);
      }
      // The three sites the chair sees are three different sites, not one peer seen thrice.
      const siteCodes = new Set(siteVideos(chairStats).map((v) => v.site));
      assert.equal(siteCodes.size, SITES.length, `chair sees sites ${[...siteCodes].join(', ')}; expected ${SITES.join(', ')}`);

      // Media keeps flowing: a few seconds later every site has decoded many more of the chair's
      // frames (a stall after the first second would otherwise pass the thresholds above).
      const SUSTAIN_MS = 5_000;
      await new Promise((r) => setTimeout(r, SUSTAIN_MS));
      for (const [i, page] of sites.entries()) {
        const later = (await snapshot(page)).stats;
        const before = chairMedia(siteStats[i]).video.framesDecoded;
        const after = chairMedia(later, { frames: 0 })?.video?.framesDecoded ?? 0;
        assert.ok(after - before >= 25,
          `site ${SITES[i]} decoded only ${after - before} more chair frames in ${SUSTAIN_MS} ms (fake camera: 20 fps)`);
      }
      const chairLater = (await snapshot(chair)).stats;
      for (const v of siteVideos(chairStats)) {
        const now = siteVideos(chairLater, { frames: 0 }).find((x) => x.peer === v.peer);
        assert.ok(now && now.framesDecoded - v.framesDecoded >= 25,
          `chair decoded only ${now ? now.framesDecoded - v.framesDecoded : 0} more frames of ${v.site} in ${SUSTAIN_MS} ms`);
      }

      // Errors the pages recorded are worth seeing even when media flowed.
      for (const [label, page] of [['chair', chair], ...sites.map((p, i) => [`site-${SITES[i]}`, p])]) {
        const snap = await snapshot(page).catch(() => null);
        if (snap?.errors?.length) t.diagnostic(`${label} dh.errors: ${JSON.stringify(snap.errors)}`);
      }
      for (const line of describeStats(chairStats).split('\n')) t.diagnostic(`chair: ${line.trim()}`);
    });
  });
}
