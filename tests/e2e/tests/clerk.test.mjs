// The clerk's side of a recording: a chair and a commune meet and are recorded for real; then the
// archive clerk finds the meeting by title and day on /clerk.html, plays its recording and seeks
// in it (Range requests answered 206), downloads a file, has the hub check it against the signed
// manifest (a match), tampers with it on disk and checks again (a mismatch). Sites are refused
// the routes, other meetings' tokens do not see the files, and the audit log has the download.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../lib/browser.mjs';
import { withSession, meetingPageUrl, chairMedia, MEDIA_TIMEOUT_MS } from '../lib/meeting.mjs';
import { sleep } from '../lib/artifacts.mjs';
import { api, createStoredMeeting, recordingAction, recordingIdOf, waitRecording } from '../lib/recording.mjs';

const TITLE = 'Họp giao ban Lưu trữ ghi hình';
const SITE = 'ba-dinh';

// "2025-11-23" of a Date in local time: what the page's date inputs hold.
function isoDay(d) {
  const p = (x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Poll fn() in the page until it returns a truthy value (and return it). */
async function until(page, fn, arg, what, timeoutMs = 20_000) {
  try {
    const handle = await page.waitForFunction(fn, arg, { timeout: timeoutMs, polling: 200 });
    return await handle.jsonValue();
  } catch (e) {
    const dh = await page.evaluate(() => JSON.stringify({ state: window.dh?.state, errors: window.dh?.errors })).catch(() => '?');
    throw new Error(`clerk page: not within ${timeoutMs} ms: ${what}; dh ${dh}\n${e.message.split('\n')[0]}`);
  }
}

/** Rows of the audit log (read from the hub's SQLite file, as an auditor would). */
function audit(dataDir, action) {
  const out = execFileSync('sqlite3', ['-json', join(dataDir, 'dienhong.db'),
    `SELECT meeting, role, site, token_id, action, detail FROM audit WHERE action = '${action}' ORDER BY id`]).toString();
  return out.trim() ? JSON.parse(out) : [];
}

test('a clerk finds a recorded meeting, plays, seeks, downloads and checks its files', { timeout: 300_000 }, async () => {
  await withSession('clerk', async ({ hub, browser }) => {
    // ---- a meeting, recorded for real ----
    const { id: meeting } = await createStoredMeeting(hub, { title: TITLE, sites: [SITE] });
    const chairToken = await hub.token({ meeting, role: 'chair' });
    const siteToken = await hub.token({ meeting, role: 'site', site: SITE });
    const chair = await browser.open('chair', meetingPageUrl(hub, 'chair', { token: chairToken, name: 'Chủ trì' }));
    const site = await browser.open('site', meetingPageUrl(hub, 'site', { token: siteToken, name: 'Ba Đình' }));
    await waitFor(site, (st) => chairMedia(st) !== null, MEDIA_TIMEOUT_MS, 'the site decodes the chair');
    const recording = recordingIdOf(await recordingAction(hub, meeting, chairToken, 'start'));
    assert.ok(recording, 'the start answer names the recording');
    await sleep(6_000);
    await recordingAction(hub, meeting, chairToken, 'stop');
    const ready = await waitRecording(hub, meeting, chairToken, { id: recording, timeoutMs: 150_000 });
    const meetingFile = ready.files.find((f) => f.kind === 'meeting');
    assert.ok(meetingFile, `the export has a meeting file: ${JSON.stringify(ready.files)}`);
    assert.match(meetingFile.id, /^f-[A-Za-z0-9]{16}$/);
    const onDisk = join(hub.dataDir, 'recordings', recording, 'export', meetingFile.file);
    const fileSize = statSync(onDisk).size;
    await chair.close();
    await site.close();

    // ---- the archive clerk finds it by title (without marks, other case) and day ----
    const clerkToken = await hub.token({ meeting: '_hub', role: 'clerk' });
    const page = await browser.open('clerk', `${hub.url}/clerk.html#token=${encodeURIComponent(clerkToken)}`);
    const fileRequests = []; // what the player and the links asked of the file route
    page.on('response', (res) => {
      if (res.url().includes(`/api/recordings/${meetingFile.id}?`)) {
        fileRequests.push({ status: res.status(), range: res.request().headers().range || null, contentRange: res.headers()['content-range'] || null });
      }
    });
    await until(page, () => window.dh && window.dh.state === 'ready', null, 'the first search');
    const today = isoDay(new Date());
    const lastYear = isoDay(new Date(Date.now() - 400 * 86400_000));
    const longAgo = isoDay(new Date(Date.now() - 380 * 86400_000));
    // A day long before the meeting: nothing.
    await page.fill('#from', lastYear);
    await page.fill('#to', longAgo);
    await page.fill('#q', 'luu tru GHI HINH');
    await page.click('#go');
    await until(page, () => Array.isArray(window.dh.results) && window.dh.results.length === 0 && !document.querySelector('#results-note').hidden,
      null, 'no meeting a year ago');
    await page.fill('#from', today);
    await page.fill('#to', today);
    await page.click('#go');
    const found = await until(page, (m) => (window.dh.results || []).find((x) => x.id === m), meeting, 'the meeting found by title and day');
    assert.equal(found.title, TITLE);
    assert.equal(found.recordings, 1);
    assert.equal(found.recording_state, 'ready');

    await page.click(`#results-body tr[data-id="${meeting}"] button.clerk-open`);
    await until(page, (r) => window.dh.recordings?.[0]?.id === r && window.dh.recordings[0].state === 'ready', recording, 'the recording listed as ready');
    // The meeting file is listed first, the site's after it.
    const kinds = await page.$$eval('.clerk-files tbody tr', (rows) => rows.map((r) => r.dataset.kind));
    assert.equal(kinds[0], 'meeting', `files in order: ${kinds}`);
    assert.ok(kinds.includes('site'), `a file per site: ${kinds}`);
    // The attendance of the meeting is there.
    assert.match(await page.textContent('#attendance'), new RegExp(SITE));

    // ---- play, then seek ----
    const row = `.clerk-files tr[data-file-id="${meetingFile.id}"]`;
    await page.click(`${row} button.clerk-play`);
    const t1 = await until(page, () => {
      const v = document.getElementById('player');
      return v.currentTime > 1 && !v.paused && v.currentTime;
    }, null, 'the video plays (currentTime advances past 1 s)');
    const duration = await page.evaluate(() => document.getElementById('player').duration);
    assert.ok(duration > 4 && duration < 20, `the video lasts about as long as the recording: ${duration} s`);
    const target = Math.min(duration - 1.0, 4.5);
    assert.ok(target > t1, `a later point to seek to: ${target} > ${t1}`);
    await page.evaluate((to) => {
      const v = document.getElementById('player');
      window.__seeked = false;
      v.addEventListener('seeked', () => { window.__seeked = true; }, { once: true });
      v.currentTime = to;
    }, target);
    await until(page, (to) => {
      const v = document.getElementById('player');
      return window.__seeked && v.currentTime >= to && v.currentTime;
    }, target, 'the seek lands');
    const t2 = await page.evaluate(() => document.getElementById('player').currentTime);
    await until(page, (from) => {
      const v = document.getElementById('player');
      return (v.currentTime > from + 0.3 || v.ended) && v.currentTime;
    }, t2, 'playback goes on from the new point');
    const ranged = fileRequests.filter((r) => r.range);
    assert.ok(ranged.length >= 1, `the player asks by Range: ${JSON.stringify(fileRequests)}`);
    for (const r of ranged) {
      assert.equal(r.status, 206, `a Range answered 206: ${JSON.stringify(r)}`);
      assert.match(r.contentRange, new RegExp(`^bytes \\d+-\\d+/${fileSize}$`));
    }

    // A seek into the part not yet loaded is a Range from that point: the same bytes as on disk.
    const bytes = readFileSync(onDisk);
    const mid = Math.floor(fileSize / 2);
    const part = await fetch(`${hub.url}/api/recordings/${meetingFile.id}`, {
      headers: { authorization: `Bearer ${clerkToken}`, range: `bytes=${mid}-${mid + 999}` },
    });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes ${mid}-${mid + 999}/${fileSize}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(mid, mid + 1000)), 'the range is those bytes');
    const past = await fetch(`${hub.url}/api/recordings/${meetingFile.id}?token=${clerkToken}`, { headers: { range: `bytes=${fileSize}-` } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${fileSize}`);

    // ---- download ----
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${row} a.clerk-download`)]);
    const saved = await download.path();
    assert.ok(readFileSync(saved).equals(bytes), 'the download is the file');
    assert.match(download.suggestedFilename(), new RegExp(`${meeting}-meeting\\.(webm|mkv)$`));

    // ---- integrity: a match, then after tampering a mismatch ----
    await page.click(`${row} button.clerk-verify`);
    const ok = await until(page, (id) => { const v = window.dh.verify[id]; return v && !v.pending && v; }, meetingFile.id, 'the first check');
    assert.equal(ok.ok, true, JSON.stringify(ok));
    assert.equal(ok.signature_ok, true);
    assert.equal(ok.listed, true);
    assert.equal(ok.sha256_actual, ok.sha256_expected);
    assert.match(await page.textContent(`${row} .clerk-integrity`), /✓/);

    appendFileSync(onDisk, Buffer.from([0x00]));
    await page.click(`${row} button.clerk-verify`);
    const bad = await until(page, (id) => { const v = window.dh.verify[id]; return v && !v.pending && v.ok === false && v; }, meetingFile.id, 'the check after tampering');
    assert.equal(bad.signature_ok, true, 'the manifest itself is intact');
    assert.equal(bad.listed, true);
    assert.notEqual(bad.sha256_actual, bad.sha256_expected);
    assert.equal(await page.getAttribute(`${row} .clerk-integrity`, 'data-state'), 'changed');
    assert.match(await page.textContent(`${row} .clerk-integrity`), /✗/);

    // ---- who may not ----
    const fileRoute = `/api/recordings/${meetingFile.id}`;
    assert.equal((await api(hub, 'GET', `/api/meetings/${meeting}/recordings`, siteToken)).status, 403, 'a site: the list');
    assert.equal((await api(hub, 'GET', '/api/archive', siteToken)).status, 403, 'a site: the archive');
    assert.equal((await fetch(`${hub.url}${fileRoute}?token=${siteToken}`)).status, 403, 'a site: the file');
    assert.equal((await api(hub, 'GET', `${fileRoute}/verify`, siteToken)).status, 403, 'a site: the check');
    const observer = await hub.token({ meeting, role: 'observer' });
    assert.equal((await api(hub, 'GET', fileRoute, observer)).status, 403, 'an observer: the file');
    assert.equal((await api(hub, 'GET', fileRoute)).status, 401, 'no token');
    // A clerk of another meeting: the same 404 as an id that does not exist.
    const otherClerk = await hub.token({ meeting: 'hop-khac', role: 'clerk' });
    const other = await api(hub, 'GET', fileRoute, otherClerk);
    const unknown = await api(hub, 'GET', '/api/recordings/f-AAAAAAAAAAAAAAAA', otherClerk);
    assert.equal(other.status, 404);
    assert.equal(unknown.status, 404);
    assert.equal(other.text, unknown.text, 'an id of another meeting looks like no id');
    assert.equal((await api(hub, 'GET', `/api/meetings/${meeting}/recordings`, otherClerk)).status, 404);
    const search = await api(hub, 'GET', `/api/archive?from=${today}&to=${today}`, otherClerk);
    assert.equal(search.status, 200);
    assert.deepEqual(search.json.meetings, [], 'a meeting\'s token finds its own meeting only');
    // The meeting's own clerk reads it.
    const ownClerk = await hub.token({ meeting, role: 'clerk' });
    assert.equal((await api(hub, 'GET', `/api/meetings/${meeting}/recordings`, ownClerk)).status, 200);
    assert.equal((await api(hub, 'GET', `/api/archive?from=nonsense`, clerkToken)).status, 400);

    // ---- the audit log ----
    const downloads = audit(hub.dataDir, 'recording.download');
    const mine = downloads.filter((d) => d.detail.includes(meetingFile.id));
    assert.ok(mine.some((d) => d.role === 'clerk' && d.meeting === meeting && /downloaded/.test(d.detail)),
      `the download is in the audit log: ${JSON.stringify(downloads)}`);
    // Playing and seeking are not one entry per Range request.
    const opened = mine.filter((d) => /opened/.test(d.detail)).length;
    assert.ok(opened >= 1 && opened <= 3, `a few "opened" entries, not one per range: ${opened}`);
    const refused = audit(hub.dataDir, 'refused').filter((d) => d.role === 'site');
    assert.ok(refused.length >= 1, 'the refused site is in the audit log');
    const checks = audit(hub.dataDir, 'recording.verify').map((d) => d.detail);
    assert.ok(checks.some((d) => /authentic/.test(d)) && checks.some((d) => /changed/.test(d)), JSON.stringify(checks));
  });
});
