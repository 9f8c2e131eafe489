// The chair records a meeting of communes: every site is told it is being recorded; the export
// gives a meeting file that lasts as long as the recording and plays, with the speaking site's lip
// sync kept (a flash/beep camera and microphone measured by tests/tools/avsync.c); a hub killed
// in the middle of a recording recovers it on restart; a full disk stops the recording, raises an
// alarm and leaves the meeting going, and what was written before can still be exported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { startHub } from '../lib/server.mjs';
import { launchBrowser, waitFor, snapshot } from '../lib/browser.mjs';
import { withSession, meetingPageUrl, chairMedia, inbound, MEDIA_TIMEOUT_MS } from '../lib/meeting.mjs';
import { HubSocket } from '../lib/wsclient.mjs';
import { sleep } from '../lib/artifacts.mjs';
import { openWithFlashBeep, measureFixtureSync, flashBeepState } from '../lib/flashbeep.mjs';
import {
  createStoredMeeting, recordingAction, recordingIdOf, waitRecording, exportFiles, meetingFile,
  discover, avsync, exportWithCli, waitPageRecording,
} from '../lib/recording.mjs';

const log = (...a) => console.log('#', ...a);

/** The export file of one site: from the recordings list (files[].site), else null. */
function siteFileOf(rec, dir, site) {
  const f = (rec.files || []).find((x) => x.site === site && /\.(webm|mkv)$/.test(x.file || x.name || ''));
  return f ? join(dir, basename(f.file || f.name)) : null;
}

/** Start a recording and check the answer names it; returns its id. */
async function startRecording(hub, meeting, token) {
  const answer = await recordingAction(hub, meeting, token, 'start');
  const id = recordingIdOf(answer);
  assert.ok(id, `the start answer names the recording: ${JSON.stringify(answer)}`);
  return id;
}

/** Is the page's "being recorded" badge visible? */
async function badgeShown(page) {
  return page.evaluate(() => {
    const b = document.querySelector('.rec-badge');
    return !!b && !b.hidden && b.getClientRects().length > 0;
  });
}

/** An operator on the websocket (protocol level) that keeps every event it is sent. */
async function operatorSocket(hub, meeting) {
  const ws = await HubSocket.connect(hub);
  const token = await hub.token({ meeting, role: 'operator' });
  const joined = await ws.request('join', { token });
  assert.ok('result' in joined, `operator join: ${JSON.stringify(joined)}`);
  return ws;
}

test('the flash/beep fixture is in sync where its tracks leave it', { timeout: 60_000 }, async () => {
  await withSession('recording-fixture', async ({ hub, browser }) => {
    const page = await openWithFlashBeep(browser, hub, 'fixture', `${hub.url}/index.html`);
    const m = await measureFixtureSync(page, 6_000);
    log('fixture: beep - flash at the tracks (ms):', m.offsetsMs.map((x) => x.toFixed(1)).join(' '));
    assert.ok(m.offsetsMs.length >= 4, `at least 4 flash/beep pairs: ${JSON.stringify(m)}`);
    assert.ok(Math.abs(m.medianMs) < 20, `the fixture's own offset is small: median ${m.medianMs} ms`);
  });
});

test('a 20 s recording: every site sees it, the meeting file lasts 20 s and plays', { timeout: 240_000 }, async () => {
  await withSession('recording-20s', async ({ hub, browser }) => {
    const SITES = ['ba-dinh', 'tay-ho'];
    const { id: meeting } = await createStoredMeeting(hub, { title: 'Họp giao ban ghi hình', sites: SITES });
    const chairToken = await hub.token({ meeting, role: 'chair' });
    // Cameras that show a light picture: Chromium's fake camera is mostly black, which a check for
    // "the picture is in the file" could not tell from a missing one.
    const camera = { mode: 'quiet', background: '#b4b4b4' };
    const chair = await openWithFlashBeep(browser, hub, 'chair', meetingPageUrl(hub, 'chair', { token: chairToken, name: 'Chủ trì' }), camera);
    const sites = [];
    for (const s of SITES) {
      const token = await hub.token({ meeting, role: 'site', site: s });
      sites.push(await openWithFlashBeep(browser, hub, `site-${s}`, meetingPageUrl(hub, 'site', { token, name: s }), camera));
    }
    await Promise.all(sites.map((p, i) => waitFor(p, (st) => chairMedia(st) !== null, MEDIA_TIMEOUT_MS,
      `${SITES[i]} decodes the chair`)));
    for (const [i, p] of sites.entries()) {
      await waitPageRecording(p, (r) => r.active === false, `${SITES[i]} is told the meeting is not recorded yet`);
    }

    const t0 = Date.now();
    const rec = await startRecording(hub, meeting, chairToken);
    for (const [i, p] of sites.entries()) {
      await waitPageRecording(p, (r) => r.active === true, `${SITES[i]} is told the meeting is being recorded`, 5_000);
      assert.ok(await badgeShown(p), `${SITES[i]}'s page shows the recording badge`);
    }
    await waitPageRecording(chair, (r) => r.active === true, 'the chair shows the meeting is being recorded', 5_000);
    await sleep(20_000 - (Date.now() - t0));
    await recordingAction(hub, meeting, chairToken, 'stop');
    const recordedS = (Date.now() - t0) / 1000;
    for (const [i, p] of sites.entries()) {
      await waitPageRecording(p, (r) => r.active === false, `${SITES[i]} is told the recording stopped`, 5_000);
      assert.ok(!(await badgeShown(p)), `${SITES[i]}'s page no longer shows the recording badge`);
    }

    const ready = await waitRecording(hub, meeting, chairToken, { id: rec, timeoutMs: 150_000 });
    log(`recording ${rec}: ready after ${((Date.now() - t0) / 1000 - recordedS).toFixed(1)} s of export`);
    const { dir, names } = exportFiles(join(hub.dataDir, 'recordings'), rec);
    const file = meetingFile(dir);
    assert.ok(file, `the export has a meeting file: ${dir}: ${names.join(', ')}`);
    const d = await discover(file);
    log(`meeting file: ${basename(file)} ${d.durationS.toFixed(3)} s, ${d.video} video, ${d.audio} audio (recorded ${recordedS.toFixed(3)} s)`);
    assert.ok(d.ok, `gst-discoverer reads the meeting file:\n${d.text}`);
    assert.ok(d.video >= 1 && d.audio >= 1, `the meeting file has an audio and a video stream:\n${d.text}`);
    assert.ok(Math.abs(d.durationS - 20) <= 0.5, `the meeting file lasts 20 s ± 0.5 s, not ${d.durationS} s`);
    // The chair's picture (left half) is in it, not black.
    const left = await avsync(file, ['--region', 'left']);
    log(`meeting file, left half: ${left.lit_frames} of ${left.frames} frames show a picture`);
    assert.ok(left.frames > 0 && left.lit_frames / left.frames > 0.5,
      `the chair's video shows in the meeting file: ${left.lit_frames} of ${left.frames} frames not black`);
    // Each site has its own file with its audio and its video.
    for (const s of SITES) {
      const sf = siteFileOf(ready, dir, s);
      assert.ok(sf, `the recording lists a file for ${s}: ${JSON.stringify(ready.files)}`);
      const sd = await discover(sf);
      const sv = await avsync(sf);
      log(`${s}: ${basename(sf)} ${sd.durationS.toFixed(3)} s, ${sd.video} video, ${sd.audio} audio, ${sv.lit_frames} of ${sv.frames} frames not black`);
      assert.ok(sd.video >= 1 && sd.audio >= 1, `${s}'s file has its audio and its video:\n${sd.text}`);
      assert.ok(sv.frames > 0 && sv.lit_frames / sv.frames > 0.5,
        `${s}'s video shows in its file: ${sv.lit_frames} of ${sv.frames} frames not black`);
    }
  });
});

test('lip sync: the speaking site keeps its flash and beep together in its file and the meeting file', { timeout: 200_000 }, async () => {
  await withSession('recording-lipsync', async ({ hub, browser }) => {
    const SITE = 'ba-dinh';
    const { id: meeting } = await createStoredMeeting(hub, { title: 'Đồng bộ hình tiếng', sites: [SITE] });
    const chairToken = await hub.token({ meeting, role: 'chair' });
    const siteToken = await hub.token({ meeting, role: 'site', site: SITE });
    // The chair neither flashes nor beeps: what is measured in the meeting file is the site's.
    const chair = await openWithFlashBeep(browser, hub, 'chair',
      meetingPageUrl(hub, 'chair', { token: chairToken, name: 'Chủ trì' }), { mode: 'quiet' });
    const site = await openWithFlashBeep(browser, hub, `site-${SITE}`,
      meetingPageUrl(hub, 'site', { token: siteToken, name: SITE, res: '640x480' }), { width: 640, height: 480 });

    await waitFor(site, (st) => chairMedia(st, { frames: 10, packets: 10 }) !== null, MEDIA_TIMEOUT_MS, 'the site decodes the chair');
    await chair.evaluate((s) => window.dh.giveFloor(s), SITE);
    await waitFor(chair, (st) => inbound(st, { site: SITE, kind: 'video' }).some((s) => s.framesDecoded > 30) &&
      inbound(st, { site: SITE, kind: 'audio' }).some((s) => s.packetsReceived > 50), MEDIA_TIMEOUT_MS,
    'the chair sees and hears the site holding the floor');
    const fb = await flashBeepState(site);
    assert.equal(fb?.state, 'running', `the site's flash/beep generator runs: ${JSON.stringify(fb)}`);

    const rec = await startRecording(hub, meeting, chairToken);
    await sleep(12_000);
    await recordingAction(hub, meeting, chairToken, 'stop');
    const ready = await waitRecording(hub, meeting, chairToken, { id: rec, timeoutMs: 120_000 });
    const { dir, names } = exportFiles(join(hub.dataDir, 'recordings'), rec);

    // The site's own file (its audio and video, not re-encoded).
    let siteFile = siteFileOf(ready, dir, SITE);
    if (!siteFile) {
      // The list does not say which file is whose: the one site file in the export.
      const candidates = names.filter((n) => /^site-.*\.(webm|mkv)$/.test(n));
      log(`no file of ${SITE} in the recordings list; site files: ${candidates.join(', ')}`);
      assert.ok(candidates.length >= 1, `a site file in ${dir}: ${names.join(', ')}`);
      let best = null;
      for (const n of candidates) {
        const r = await avsync(join(dir, n));
        if (!best || r.pairs > best.r.pairs) best = { n, r };
      }
      siteFile = join(dir, best.n);
    }
    const s = await avsync(siteFile);
    log(`site file ${basename(siteFile)}: ${s.pairs} pairs, median ${s.median_offset_ms} ms, max |${s.max_abs_offset_ms}| ms; offsets ${s.offsets_ms.join(' ')}`);
    assert.ok(s.pairs >= 5, `at least 5 flash/beep pairs in the site's file: ${JSON.stringify(s)}`);
    assert.ok(Math.abs(s.median_offset_ms) < 100, `the site's file is in sync: median offset ${s.median_offset_ms} ms`);

    // The meeting file: the site holding the floor is on the right, the chair (dark, silent) left.
    const file = meetingFile(dir);
    assert.ok(file, `the export has a meeting file: ${names.join(', ')}`);
    const m = await avsync(file, ['--region', 'right']);
    log(`meeting file: ${m.pairs} pairs, median ${m.median_offset_ms} ms, max |${m.max_abs_offset_ms}| ms; offsets ${m.offsets_ms.join(' ')}`);
    assert.ok(m.pairs >= 5, `at least 5 flash/beep pairs in the meeting file: ${JSON.stringify(m)}`);
    assert.ok(Math.abs(m.median_offset_ms) < 100, `the meeting file is in sync: median offset ${m.median_offset_ms} ms`);
  });
});

test('a hub killed while recording recovers the recording on restart', { timeout: 200_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dienhong-e2e-reccrash-'));
  let hub = null;
  let browser = null;
  try {
    hub = await startHub({ name: 'recording-crash', dataDir });
    const { port } = hub;
    const SITE = 'hoan-kiem';
    const { id: meeting } = await createStoredMeeting(hub, { title: 'Ghi hình bị cắt', sites: [SITE] });
    const chairToken = await hub.token({ meeting, role: 'chair' });
    const siteToken = await hub.token({ meeting, role: 'site', site: SITE });
    browser = await launchBrowser({ testName: 'recording-crash' });
    await browser.open('chair', meetingPageUrl(hub, 'chair', { token: chairToken, name: 'Chủ trì' }));
    const site = await browser.open(`site-${SITE}`, meetingPageUrl(hub, 'site', { token: siteToken, name: SITE }));
    await waitFor(site, (st) => chairMedia(st) !== null, MEDIA_TIMEOUT_MS, 'the site decodes the chair');

    const rec = await startRecording(hub, meeting, chairToken);
    await sleep(10_000);
    hub.proc.kill('SIGKILL');
    const st = await hub.exited;
    assert.equal(st.signal, 'SIGKILL');
    await hub.stop(); // bookkeeping only: the process is gone
    await browser.close();
    browser = null;

    hub = await startHub({ name: 'recording-crash-restart', dataDir, port });
    const ready = await waitRecording(hub, meeting, chairToken, { id: rec, timeoutMs: 120_000 });
    assert.match(ready.reason || '', /interrupted/, `the recovered recording says why it ended: ${JSON.stringify(ready)}`);
    const { dir, names } = exportFiles(join(dataDir, 'recordings'), rec);
    const file = meetingFile(dir);
    assert.ok(file, `the recovered export has a meeting file: ${names.join(', ')}`);
    const d = await discover(file);
    log(`recovered meeting file: ${d.durationS.toFixed(3)} s, ${d.video} video, ${d.audio} audio`);
    assert.ok(d.ok && d.video >= 1, `gst-discoverer reads the recovered file:\n${d.text}`);
    assert.ok(d.durationS >= 8, `the recovered meeting file plays at least 8 s of the 10 s, not ${d.durationS} s`);
    const decoded = await avsync(file);
    assert.ok(decoded.duration_s >= 8, `the recovered meeting file decodes to at least 8 s, not ${decoded.duration_s} s`);
    await hub.stopClean();
    hub = null;
  } finally {
    if (browser) await browser.close();
    if (hub) await hub.stop(5_000).catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a full disk stops the recording with an alarm; the meeting goes on; the journals export', { timeout: 200_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'dienhong-e2e-recdisk-'));
  const small = join(work, 'small');
  mkdirSync(small);
  try {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', small], { stdio: 'pipe' });
    } catch (e) {
      t.skip(`cannot mount a 3 MiB tmpfs for the full disk (needs root): ${String(e.stderr || e.message).trim()}`);
      return;
    }
    let hub = null;
    let browser = null;
    let opWs = null;
    try {
      // 2 MiB of the 3 are taken already, so that the recording fills the rest in seconds.
      writeFileSync(join(small, 'filler'), Buffer.alloc(2 << 20, 1));
      const recordingsDir = join(small, 'recordings');
      const conf = join(work, 'dienhong.conf');
      writeFileSync(conf, `recordings_dir = ${recordingsDir}\n`);
      hub = await startHub({ name: 'recording-disk-full', extraArgs: ['--config', conf] });
      const SITE = 'long-bien';
      const { id: meeting } = await createStoredMeeting(hub, { title: 'Đĩa đầy', sites: [SITE] });
      const chairToken = await hub.token({ meeting, role: 'chair' });
      const siteToken = await hub.token({ meeting, role: 'site', site: SITE });
      browser = await launchBrowser({ testName: 'recording-disk-full' });
      const chair = await browser.open('chair', meetingPageUrl(hub, 'chair', { token: chairToken, name: 'Chủ trì', res: '640x480' }));
      const site = await browser.open(`site-${SITE}`, meetingPageUrl(hub, 'site', { token: siteToken, name: SITE, res: '640x480' }));
      opWs = await operatorSocket(hub, meeting);
      await waitFor(site, (st) => chairMedia(st) !== null, MEDIA_TIMEOUT_MS, 'the site decodes the chair');

      const t0 = Date.now();
      const rec = await startRecording(hub, meeting, chairToken);
      const alarm = await opWs.waitMessage((m) => m.event === 'recording_alarm' && /^disk/.test(m.data?.reason || ''),
        90_000, 'recording_alarm (disk) to the operator');
      // The `recording` event that ends the recording: inactive, after the active one (the join
      // brought an inactive one too).
      let seenActive = false;
      const stopped = await opWs.waitMessage((m) => {
        if (m.event !== 'recording' || !m.data) return false;
        if (m.data.active) seenActive = true;
        return seenActive && m.data.active === false;
      }, 10_000, 'recording (inactive) to the operator after it was active');
      log(`disk full after ${((Date.now() - t0) / 1000).toFixed(1)} s: alarm ${JSON.stringify(alarm.data)}; ${JSON.stringify(stopped.data)}`);
      assert.match(stopped.data.reason || '', /^disk/, `the recording stopped for the disk: ${JSON.stringify(stopped.data)}`);
      await waitPageRecording(chair, (r) => r.active === false && /^disk/.test(r.reason || ''),
        'the chair page shows the recording stopped for the disk', 5_000);
      await waitPageRecording(site, (r) => r.active === false, 'the site page shows the recording stopped', 5_000);
      const chairAlarms = await chair.evaluate(() => window.dh.recordingAlarms || []);
      assert.ok(chairAlarms.some((a) => /^disk/.test(a.reason || '')), `the chair's page got the disk alarm: ${JSON.stringify(chairAlarms)}`);

      // The meeting goes on: the site keeps decoding the chair.
      const frames = async () => inbound((await snapshot(site)).stats, { role: 'chair', kind: 'video' })
        .reduce((n, s) => Math.max(n, s.framesDecoded || 0), 0);
      const before = await frames();
      await sleep(5_000);
      const after = await frames();
      log(`site decodes the chair: ${before} -> ${after} frames in 5 s after the disk filled`);
      assert.ok(after - before > 50, `the site still decodes the chair's video (${before} -> ${after} frames in 5 s)`);

      // What was flushed before the disk filled exports elsewhere.
      const out = join(work, 'export');
      mkdirSync(out);
      const ex = await exportWithCli({ dataDir: hub.dataDir, recording: rec, out });
      assert.equal(ex.code, 0, `dienhong export exits 0:\n${ex.stderr}`);
      const file = meetingFile(out) || meetingFile(join(out, rec, 'export')) || meetingFile(join(out, rec));
      assert.ok(file, `dienhong export wrote a meeting file under ${out}`);
      const d = await discover(file);
      log(`exported after the disk filled: ${d.durationS.toFixed(3)} s, ${d.video} video, ${d.audio} audio`);
      assert.ok(d.ok && d.durationS > 1, `the exported meeting file plays more than 1 s:\n${d.text}`);

      opWs.close();
      opWs = null;
      await browser.close();
      browser = null;
      await hub.stopClean();
      hub = null;
    } finally {
      if (opWs) opWs.terminate();
      if (browser) await browser.close();
      if (hub) await hub.stop(5_000).catch(() => {});
      try {
        execFileSync('umount', [small], { stdio: 'pipe' });
      } catch {
        try { execFileSync('umount', ['-l', small], { stdio: 'pipe' }); } catch { /* reported by the leftover mount */ }
      }
    }
  } finally {
    try { rmSync(work, { recursive: true, force: true }); } catch { /* a mount that would not go */ }
  }
});
