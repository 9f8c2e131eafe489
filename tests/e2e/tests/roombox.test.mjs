// The room box of a commune (clients/room, GStreamer webrtcbin) meets the chair in Chromium through
// the hub; then the hub restarts on the same port and data dir, and the box rejoins by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { accessSync, constants as fsc, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub } from '../lib/server.mjs';
import { launchBrowser, waitFor, describeStats, probeH264 } from '../lib/browser.mjs';
import { meetingPageUrl, siteVideos, codecMatches } from '../lib/meeting.mjs';
import { REPO_ROOT, artifactPath, sleep, withTimeout } from '../lib/artifacts.mjs';

const ROOM_BIN = process.env.DIENHONG_ROOM_BIN || join(REPO_ROOT, 'build', 'clients', 'room', 'dienhong-room');
const SITE = 'ba-dinh';
const MEETING = 'e2e-roombox';
const WAIT_MS = 40_000;

const rooms = new Set(); // room boxes still running: killed if the test process exits
process.on('exit', () => {
  for (const r of rooms) try { r.proc.kill('SIGKILL'); } catch { /* gone */ }
});

// The status line the box prints every 2 s (clients/room/stats.c).
const STATUS_RE = /^room: state=(\S+) sent_video_frames=(\d+) recv_video_frames=(\d+) recv_audio_buffers=(\d+) reconnects=(\d+)$/;

function parseStatus(line) {
  const m = STATUS_RE.exec(line);
  if (!m) return null;
  return { state: m[1], sent: +m[2], recvVideo: +m[3], recvAudio: +m[4], reconnects: +m[5] };
}

/** Starts the room box with `config` (text); its stderr and stdout go to artifacts/<name>.log. */
function startRoom(name, config) {
  try {
    accessSync(ROOM_BIN, fsc.X_OK);
  } catch {
    throw new Error(`room box not found at ${ROOM_BIN}: build with \`cmake --build build\`, or set DIENHONG_ROOM_BIN`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'dienhong-room-'));
  const confPath = join(dir, 'room.conf');
  writeFileSync(confPath, config);
  const logPath = artifactPath(`${name}.log`);
  const log = createWriteStream(logPath, { flags: 'w' });
  const proc = spawn(ROOM_BIN, ['--config', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const room = { proc, logPath, status: null, statusLines: 0 };
  rooms.add(room);
  let pending = '';
  proc.stdout.on('data', (d) => {
    if (!log.writableEnded) log.write(d);
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const l of lines) {
      const st = parseStatus(l.trim());
      if (st) {
        room.status = st;
        room.statusLines++;
      }
    }
  });
  proc.stderr.on('data', (d) => { if (!log.writableEnded) log.write(d); });
  room.exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      room.exitStatus = { code, signal };
      rooms.delete(room);
      if (!log.writableEnded) log.end(`\n# exited code=${code} signal=${signal}\n`);
      rmSync(dir, { recursive: true, force: true });
      resolve(room.exitStatus);
    });
  });
  /** SIGTERM, and SIGKILL if it has not exited within timeoutMs; resolves its exit status. */
  room.stop = async (timeoutMs = 10_000) => {
    if (!room.exitStatus) proc.kill('SIGTERM');
    const st = await withTimeout(room.exited, timeoutMs, 'room box exit after SIGTERM').catch(() => null);
    if (st) return st;
    proc.kill('SIGKILL');
    await room.exited;
    return { ...room.exitStatus, hung: true };
  };
  return room;
}

/** Polls the room box's latest status line until predicate(status) holds; throws with the last one. */
async function waitForRoom(room, predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (room.status && predicate(room.status)) return room.status;
    if (room.exitStatus) throw new Error(`room box exited (${JSON.stringify(room.exitStatus)}) while waiting for: ${what}; log ${room.logPath}`);
    if (Date.now() >= deadline) {
      throw new Error(`room box: not within ${timeoutMs} ms: ${what}; last status ${JSON.stringify(room.status)}; log ${room.logPath}`);
    }
    await sleep(250);
  }
}

function roomConfig(hub, token, codec = 'vp8') {
  return [
    '# written by roombox.test.mjs',
    `server = ${hub.wsUrl}`,
    `token = ${token}`,
    'name = UBND phường Ba Đình',
    'video_source = test',
    'audio_source = test',
    'video_sink = fake',
    'audio_sink = fake',
    `codec = ${codec}`,
    'width = 320',
    'height = 240',
    'fps = 30',
    '',
  ].join('\n');
}

/** The chair's view of the room box: its video from site SITE, decoded (> frames). */
function roomVideo(stats, frames = 30) {
  return siteVideos(stats, { frames }).find((v) => v.site === SITE) || null;
}

/**
 * The chair page decodes the box's video (> 30 frames, as `codec`) and the box decodes the chair's
 * video and audio (> 30 more frames and buffers than `before`). Returns [chair stats, box status].
 */
async function meet(chair, room, codec, before = { recvVideo: 0, recvAudio: 0 }) {
  const [stats, status] = await Promise.all([
    waitFor(chair, (s) => roomVideo(s) !== null, WAIT_MS, `chair decodes the room box's video (site ${SITE}, >30 frames)`),
    waitForRoom(room, (s) => s.state === 'publishing' && s.recvVideo > before.recvVideo + 30 && s.recvAudio > before.recvAudio + 30,
      WAIT_MS, "the room box decodes the chair's video (>30 frames) and audio (>30 buffers)"),
  ]);
  const v = roomVideo(stats);
  assert.equal(v.role, 'site');
  assert.ok(codecMatches(v.codec, codec), `chair receives the room box as ${v.codec}, expected ${codec}`);
  assert.ok(status.sent > 30, `the room box encoded only ${status.sent} frames`);
  return [stats, status];
}

test('the room box meets the chair, and rejoins by itself after the hub restarts', { timeout: 240_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dienhong-e2e-room-'));
  let hub = null;
  let browser = null;
  let room = null;
  let ok = false;
  try {
    hub = await startHub({ name: 'roombox', dataDir });
    const chairToken = await hub.token({ meeting: MEETING, role: 'chair' });
    const siteToken = await hub.token({ meeting: MEETING, role: 'site', site: SITE });
    room = startRoom('roombox.room', roomConfig(hub, siteToken));
    browser = await launchBrowser({ testName: 'roombox' });

    // 1. The chair decodes the box's camera; the box decodes the chair's camera and microphone.
    const chairUrl = meetingPageUrl(hub, 'chair', { token: chairToken, name: 'Chủ tọa', codec: 'vp8', res: '320x240' });
    const chair = await browser.open('chair', chairUrl);
    const [chairStats, roomStatus] = await meet(chair, room, 'vp8');
    t.diagnostic(`before restart: chair decoded ${roomVideo(chairStats).framesDecoded} frames of ${SITE}; box ${JSON.stringify(roomStatus)}`);

    // 2. The hub goes away (SIGTERM, clean exit) and a new one starts on the same port and data dir
    //    (same signing key: the box's token stays valid). Nobody touches the box.
    await hub.stopClean();
    const port = hub.port;
    const before = { ...room.status };
    await waitForRoom(room, (s) => s.state !== 'publishing', 10_000, 'the room box notices the hub is gone');
    hub = await startHub({ name: 'roombox-restarted', port, dataDir });

    const chair2 = await browser.open('chair-after-restart', chairUrl);
    const [chairStats2, roomStatus2] = await meet(chair2, room, 'vp8', before);
    assert.ok(roomStatus2.reconnects > before.reconnects, `reconnects=${roomStatus2.reconnects}, before the restart ${before.reconnects}`);
    t.diagnostic(`after restart: chair decoded ${roomVideo(chairStats2).framesDecoded} frames; box ${JSON.stringify(roomStatus2)}`);
    for (const line of describeStats(chairStats2).split('\n')) t.diagnostic(`chair: ${line.trim()}`);

    // 3. SIGTERM stops the box cleanly.
    const st = await room.stop();
    assert.equal(st.hung, undefined, `room box did not exit within 10 s of SIGTERM; log ${room.logPath}`);
    assert.equal(st.code, 0, `room box exited with ${JSON.stringify(st)}; log ${room.logPath}`);
    ok = true;
  } catch (e) {
    if (browser) await browser.screenshotAll('failure');
    if (e && typeof e.message === 'string') {
      if (room) e.message += `\n  room box log: ${room.logPath}`;
      if (hub) e.message += `\n  hub log: ${hub.logPath}`;
    }
    throw e;
  } finally {
    if (room && !room.exitStatus) await room.stop(5_000);
    if (browser) await browser.close();
    if (hub) {
      if (ok) await hub.stopClean();
      else await hub.stop(5_000).catch(() => {});
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the room box publishes and plays H.264', { timeout: 180_000 }, async (t) => {
  const hub = await startHub({ name: 'roombox-h264' });
  let browser = null;
  let room = null;
  let ok = false;
  try {
    browser = await launchBrowser({ testName: 'roombox-h264' });
    const probe = await probeH264(browser.browser);
    t.diagnostic(`H.264 probe: ${probe.reason}`);
    if (!probe.ok) {
      t.skip(`Chromium cannot do H.264 in WebRTC: ${probe.reason}`);
      ok = true;
      return;
    }
    const chairToken = await hub.token({ meeting: MEETING, role: 'chair' });
    const siteToken = await hub.token({ meeting: MEETING, role: 'site', site: SITE });
    room = startRoom('roombox-h264.room', roomConfig(hub, siteToken, 'h264'));
    const chair = await browser.open('chair', meetingPageUrl(hub, 'chair', { token: chairToken, name: 'Chủ tọa', codec: 'h264', res: '320x240' }));
    const [chairStats, roomStatus] = await meet(chair, room, 'h264');
    t.diagnostic(`chair decoded ${roomVideo(chairStats).framesDecoded} H.264 frames of ${SITE}; box ${JSON.stringify(roomStatus)}`);
    const st = await room.stop();
    assert.equal(st.code, 0, `room box exited with ${JSON.stringify(st)}; log ${room.logPath}`);
    ok = true;
  } catch (e) {
    if (browser) await browser.screenshotAll('failure');
    if (e && typeof e.message === 'string') {
      if (room) e.message += `\n  room box log: ${room.logPath}`;
      e.message += `\n  hub log: ${hub.logPath}`;
    }
    throw e;
  } finally {
    if (room && !room.exitStatus) await room.stop(5_000);
    if (browser) await browser.close();
    if (ok) await hub.stopClean();
    else await hub.stop(5_000).catch(() => {});
  }
});
