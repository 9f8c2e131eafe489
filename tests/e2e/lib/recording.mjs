// Helpers for the recording tests: a stored meeting, starting and stopping a recording over the
// HTTP API, waiting for its export, and judging the exported files with GStreamer's own
// gst-discoverer-1.0 and the project's dh-avsync (tests/tools/avsync.c).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DIENHONG_BIN } from './server.mjs';
import { sleep } from './artifacts.mjs';

const execFileP = promisify(execFile);

/** dh-avsync: AVSYNC_BIN, else beside the hub binary's build (build/tests/tools/dh-avsync). */
export const AVSYNC_BIN = process.env.AVSYNC_BIN || join(dirname(DIENHONG_BIN), 'tests', 'tools', 'dh-avsync');

/** One HTTP request to the hub: { status, json, text }. */
export async function api(hub, method, path, token, body) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  let payload;
  if (body !== undefined) {
    const isText = typeof body === 'string' || Buffer.isBuffer(body);
    headers['content-type'] = isText ? 'text/csv' : 'application/json';
    payload = isText ? body : JSON.stringify(body);
  }
  const res = await fetch(`${hub.url}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

/**
 * A meeting in the hub's store with these sites (codes), created over the admin API.
 * Returns { id, admin } (the admin token).
 */
export async function createStoredMeeting(hub, { title, sites }) {
  const admin = await hub.token({ meeting: '_hub', role: 'admin' });
  const csv = 'code,name,district\r\n' + sites.map((s) => `${s},${s},Test\r\n`).join('');
  const imported = await api(hub, 'POST', '/api/sites', admin, csv);
  if (imported.status !== 200) throw new Error(`POST /api/sites answered ${imported.status}: ${imported.text}`);
  const created = await api(hub, 'POST', '/api/meetings', admin, { title, sites });
  if (created.status !== 201) throw new Error(`POST /api/meetings answered ${created.status}: ${created.text}`);
  return { id: created.json.id, admin };
}

/** POST /api/meetings/{m}/recording/start|stop with token: the answer's JSON (throws unless 2xx). */
export async function recordingAction(hub, meeting, token, action) {
  const res = await api(hub, 'POST', `/api/meetings/${encodeURIComponent(meeting)}/recording/${action}`, token, {});
  if (res.status < 200 || res.status > 299) {
    throw new Error(`POST /api/meetings/${meeting}/recording/${action} answered ${res.status}: ${res.text}`);
  }
  return res.json;
}

/** The recording's id in a start answer (whichever shape it has). */
export function recordingIdOf(answer) {
  return answer?.recording?.id || answer?.recording || answer?.id || answer?.result?.recording || null;
}

/** GET /api/meetings/{m}/recordings: the list of recordings (throws unless 200). */
export async function listRecordings(hub, meeting, token) {
  const res = await api(hub, 'GET', `/api/meetings/${encodeURIComponent(meeting)}/recordings`, token);
  if (res.status !== 200) throw new Error(`GET /api/meetings/${meeting}/recordings answered ${res.status}: ${res.text}`);
  return res.json.recordings || [];
}

/**
 * Poll the recordings list until the recording (by id, else the newest) is in one of states, and
 * return it. Throws at timeout with the last state seen, or as soon as it is 'failed' when that is
 * not one of the states waited for.
 */
export async function waitRecording(hub, meeting, token, { id, states = ['ready'], timeoutMs = 90_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  for (;;) {
    try {
      const list = await listRecordings(hub, meeting, token);
      last = id ? list.find((r) => r.id === id) : list[0];
      if (last && states.includes(last.state)) return last;
      if (last && last.state === 'failed' && !states.includes('failed')) {
        throw new Error(`recording ${last.id} failed: ${last.reason}`);
      }
    } catch (e) {
      if (/failed:/.test(e.message)) throw e;
      last = { error: e.message };
    }
    if (Date.now() > deadline) {
      throw new Error(`recording ${id || '(newest)'} not ${states.join('|')} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    }
    await sleep(500);
  }
}

/** RECORDINGS/<id>/export: the files the exporter wrote there, by name. */
export function exportFiles(recordingsDir, id) {
  const dir = join(recordingsDir, id, 'export');
  if (!existsSync(dir)) return { dir, names: [] };
  return { dir, names: readdirSync(dir).filter((n) => statSync(join(dir, n)).isFile()).sort() };
}

/** The meeting file of an export folder (meeting.webm or meeting.mkv), or null. */
export function meetingFile(dir) {
  for (const n of ['meeting.webm', 'meeting.mkv']) if (existsSync(join(dir, n))) return join(dir, n);
  return null;
}

/**
 * gst-discoverer-1.0 on a file: { ok, durationS, audio, video, text }. ok is false when it reports
 * an error; audio and video count the streams it lists.
 */
export async function discover(file) {
  let text;
  try {
    ({ stdout: text } = await execFileP('gst-discoverer-1.0', [file], { timeout: 60_000 }));
  } catch (e) {
    return { ok: false, durationS: 0, audio: 0, video: 0, text: `${e.message}\n${e.stdout || ''}` };
  }
  const m = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(text);
  const durationS = m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : 0;
  return {
    ok: !/error was encountered/i.test(text),
    durationS,
    audio: (text.match(/^\s*audio #\d+/gm) || []).length,
    video: (text.match(/^\s*video #\d+/gm) || []).length,
    text,
  };
}

/**
 * dh-avsync on a file: its JSON ({ flashes, beeps, offsets_ms, pairs, median_offset_ms,
 * max_abs_offset_ms, duration_s, audio, video }). args: e.g. ['--region', 'right'].
 */
export async function avsync(file, args = []) {
  if (!existsSync(AVSYNC_BIN)) {
    throw new Error(`dh-avsync not found at ${AVSYNC_BIN}: build it (cmake --build build --target dh-avsync) or set AVSYNC_BIN`);
  }
  const { stdout } = await execFileP(AVSYNC_BIN, [file, ...args], { timeout: 120_000 });
  return JSON.parse(stdout);
}

/** `dienhong export --data DIR --recording R --out OUT`: { code, stdout, stderr }. */
export async function exportWithCli({ dataDir, recording, out, timeoutMs = 120_000 }) {
  try {
    const { stdout, stderr } = await execFileP(DIENHONG_BIN,
      ['export', '--data', dataDir, '--recording', recording, '--out', out], { timeout: timeoutMs });
    return { code: 0, stdout, stderr };
  } catch (e) {
    return { code: e.code ?? -1, stdout: e.stdout || '', stderr: `${e.stderr || ''}${e.message}` };
  }
}

/** The page's view of the `recording` event (window.dh.recording), or null. */
export async function pageRecording(page) {
  return page.evaluate(() => (window.dh && window.dh.recording ? JSON.parse(JSON.stringify(window.dh.recording)) : null));
}

/** Wait until page's dh.recording satisfies pred (evaluated in node on a copy). */
export async function waitPageRecording(page, pred, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  for (;;) {
    last = await pageRecording(page).catch((e) => ({ error: e.message }));
    if (last && pred(last)) return last;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}; dh.recording = ${JSON.stringify(last)}`);
    await sleep(250);
  }
}
