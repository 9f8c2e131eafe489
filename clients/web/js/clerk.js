// clerk.html: the recording archive. A clerk finds a past meeting by day and title
// (GET /api/archive), opens it (GET /api/archive/{meeting}: the record and the recordings), plays
// a recording in the page's <video> (its src is the file route with ?token=, which answers Range
// requests, so seeking works), downloads files, and has the hub check a file against the signed
// manifest (GET /api/recordings/{file}/verify). While an export runs the page polls
// GET /api/meetings/{meeting}/recordings and shows its progress.
//
// Link: clerk.html#token=dh1.… (a clerk token of meeting "_hub" searches every meeting; a token of
// one meeting finds that meeting only, and the page opens it at once). #server= as elsewhere.
// Test hooks (window.dh): dh.state 'init' | 'ready' | 'error'; dh.results the last search's
// meetings; dh.meeting the opened meeting's archive JSON; dh.recordings its recordings (kept up to
// date while exporting); dh.verify { fileId: verify answer or { error } }; dh.playing the file id
// in the player; dh.search({ from, to, q }), dh.open(meetingId), dh.checkFile(fileId) return
// promises of the same.

import './i18n_clerk.js';
import { t, initI18n, onLangChange, roleLabel } from './i18n.js';
import { readParams, tokenClaims, hubBase } from './params.js';
import { installTestHooks } from './testhooks.js';
import { setStatus, setStatusError } from './ui.js';
import { dateTime, duration, size } from './fmt.js';
import { getJson } from './api.js';
import { ROLL_STATES } from './roll.js';
import { el } from './dom.js';

const dh = installTestHooks('clerk');
dh.results = null;
dh.meeting = null;
dh.recordings = [];
dh.verify = {};
dh.playing = null;
const params = readParams();
initI18n(params);
const $ = (id) => document.getElementById(id);

const token = params.get('token') || '';
const claims = tokenClaims(token) || {};
const archive = claims.m === '_hub';
const base = hubBase(params);

const POLL_MS = 2000;
const FINAL = new Set(['ready', 'failed', 'deleted']);
const KIND_ORDER = { meeting: 0, site: 1 };

const arr = (v) => (Array.isArray(v) ? v : []);
const str = (v) => (v === null || v === undefined ? '' : String(v));
const enc = encodeURIComponent;

let current = ''; // the opened meeting's id
let pollTimer = null;
let lastResults = { meetings: [], matched: 0, more: false };

function fail(code, message, status = 0) {
  dh.pushError({ code, message, where: 'clerk' });
  setStatusError(code, t('clerk.failed', { reason: message }));
  return { code, message, status };
}

// "2025-11-23" of a Date, in local time (what <input type="date"> holds).
function isoDay(d) {
  const p = (x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

// The meeting file first, then the sites by name, then the rest (chapters, manifest).
function sortFiles(files) {
  const rank = (f) => KIND_ORDER[f.kind] ?? 2;
  return [...arr(files)].sort((a, b) => rank(a) - rank(b) || str(a.name).localeCompare(str(b.name), 'vi'));
}

const playable = (f) => /^(video|audio)\//.test(str(f.type));

// The file route with the token in the query: a <video> or a link cannot send a header.
function fileUrl(f, download = false) {
  return `${base}/api/recordings/${enc(f.id)}?${download ? 'download=1&' : ''}token=${enc(token)}`;
}

function fileLabel(f) {
  const kind = ['meeting', 'site', 'chapters', 'manifest'].includes(f.kind) ? t(`clerk.kind.${f.kind}`) : str(f.kind);
  if (f.kind === 'site') return `${kind}: ${str(f.name) || str(f.site)}`;
  return kind;
}

// ---- search ----------------------------------------------------------------------------------
function readForm() {
  return { from: $('from').value, to: $('to').value, q: $('q').value.trim() };
}

async function search(query = readForm()) {
  setStatus('clerk.searching');
  // %20 for spaces (not '+'), so the hub reads back exactly what was typed.
  const qs = Object.entries(query)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${enc(v)}`)
    .join('&');
  try {
    const res = await getJson(`${base}/api/archive${qs ? '?' + qs : ''}`, token);
    lastResults = { meetings: arr(res.meetings), matched: Number(res.matched) || 0, more: !!res.more };
    dh.set('results', lastResults.meetings);
    renderResults();
    setStatus('clerk.found', { n: lastResults.matched }, 'ok');
    dh.setState('ready');
    return lastResults.meetings;
  } catch (e) {
    throw fail(e.code || 'network', e.message || String(e), e.status || 0);
  }
}

function recordingsCell(m) {
  if (!m.recordings) return el('span', { class: 'muted' }, t('clerk.rec.none'));
  return el(
    'span',
    { class: 'clerk-rec-summary', 'data-state': str(m.recording_state) },
    `${t('clerk.rec.count', { n: m.recordings })} · ${stateText({ state: m.recording_state, progress: m.progress, reason: '' })}`,
  );
}

function renderResults() {
  const { meetings, matched, more } = lastResults;
  const note = $('results-note');
  note.hidden = !(more || !meetings.length);
  note.textContent = more ? t('clerk.more', { shown: meetings.length, n: matched }) : t('clerk.none');
  $('results').hidden = !meetings.length;
  $('results-body').replaceChildren(
    ...meetings.map((m) => {
      const open = el('button', { type: 'button', class: 'clerk-open' }, t('clerk.open'));
      open.addEventListener('click', () => openMeeting(m.id).catch(() => {}));
      return el(
        'tr',
        { 'data-id': str(m.id), class: m.id === current ? 'current' : '' },
        el('td', {}, el('b', {}, str(m.title))),
        el('td', {}, `${dateTime(m.starts_at)} → ${dateTime(m.ends_at)}`),
        el('td', {}, recordingsCell(m)),
        el('td', {}, open),
      );
    }),
  );
}

// ---- one meeting -----------------------------------------------------------------------------
async function openMeeting(id) {
  setStatus('clerk.loading');
  clearTimeout(pollTimer);
  try {
    const doc = await getJson(`${base}/api/archive/${enc(id)}`, token);
    if (current !== id) {
      dh.set('verify', {});
      stopPlayer();
    }
    current = id;
    dh.set('meeting', doc);
    dh.set('recordings', arr(doc.recordings));
    renderMeeting();
    renderResults();
    setStatus('clerk.loaded', { title: str(doc.meeting && doc.meeting.title) || id }, 'ok');
    schedulePoll();
    return doc;
  } catch (e) {
    throw fail(e.code || 'network', e.message || String(e), e.status || 0);
  }
}

// An export in progress: its state and progress are fetched again until it ends.
function schedulePoll() {
  clearTimeout(pollTimer);
  if (!dh.recordings.some((r) => !FINAL.has(r.state))) return;
  pollTimer = setTimeout(async () => {
    const id = current;
    try {
      const res = await getJson(`${base}/api/meetings/${enc(id)}/recordings`, token);
      if (id !== current) return;
      dh.set('recordings', arr(res.recordings));
      renderRecordings();
    } catch (e) {
      dh.pushError({ code: e.code || 'network', message: e.message || String(e), where: 'poll' });
    }
    if (id === current) schedulePoll();
  }, POLL_MS);
}

function stateText(r) {
  switch (r.state) {
    case 'exporting':
      return t('clerk.state.exporting', { p: Number(r.progress) || 0 });
    case 'failed':
      return t('clerk.state.failed', { reason: str(r.reason) });
    case 'recording':
    case 'stopped':
    case 'ready':
    case 'deleted':
      return t(`clerk.state.${r.state}`);
    default:
      return str(r.state);
  }
}

// Why a recording stopped: the role that stopped it, a restart after a crash, or the hub's words
// ("disk: ...", "hub stopped").
function reasonText(reason) {
  if (['chair', 'operator', 'admin'].includes(reason)) return t('clerk.stopped_by', { who: roleLabel(reason) });
  if (reason === 'interrupted') return t('clerk.interrupted');
  return t('clerk.reason', { reason });
}

function integrity(f) {
  const v = dh.verify[f.id];
  let state = '';
  let text = '';
  if (v && v.pending) [state, text] = ['pending', t('clerk.verifying')];
  else if (v && v.error) [state, text] = ['error', t('clerk.verify.error', { reason: v.error })];
  else if (v && v.ok) [state, text] = ['ok', t('clerk.verify.ok')];
  else if (v && !v.signature_ok) [state, text] = ['unsigned', t('clerk.verify.unsigned')];
  else if (v && !v.listed) [state, text] = ['unlisted', t('clerk.verify.unlisted')];
  else if (v) [state, text] = ['changed', t('clerk.verify.changed')];
  const span = el('span', { class: 'clerk-integrity', 'data-state': state }, text);
  if (v && v.sha256_expected !== undefined) {
    span.title = `SHA-256\n${str(v.sha256_expected)}\n${str(v.sha256_actual)}`;
  }
  return span;
}

function fileRow(f) {
  const actions = [];
  if (playable(f)) {
    const b = el('button', { type: 'button', class: 'clerk-play' }, t('clerk.play'));
    b.addEventListener('click', () => play(f));
    actions.push(b);
  }
  actions.push(el('a', { class: 'clerk-download', href: fileUrl(f, true), download: str(f.file) }, t('clerk.download')));
  // The manifest is not listed in itself: its signature is what every other file's check tests.
  let check = null;
  if (f.kind !== 'manifest') {
    check = el('button', { type: 'button', class: 'clerk-verify' }, t('clerk.verify'));
    check.disabled = !!(dh.verify[f.id] && dh.verify[f.id].pending);
    check.addEventListener('click', () => checkFile(f.id).catch(() => {}));
  }
  return el(
    'tr',
    { 'data-file-id': str(f.id), 'data-kind': str(f.kind), class: f.id === dh.playing ? 'playing' : '' },
    el('td', {}, el('b', {}, fileLabel(f)), el('br'), el('code', { class: 'muted' }, str(f.file))),
    el('td', {}, f.duration_ms ? duration(Number(f.duration_ms) / 1000) : ''),
    el('td', {}, size(f.size)),
    el('td', { class: 'clerk-actions' }, ...actions),
    el('td', {}, check, check ? ' ' : null, check ? integrity(f) : null),
  );
}

function recordingBlock(r, n) {
  const facts = [stateText(r)];
  if (r.reason && r.state !== 'failed') facts.push(reasonText(r.reason));
  if (Number(r.dropped) > 0) facts.push(t('clerk.dropped', { n: r.dropped }));
  const head = el(
    'p',
    { class: 'clerk-rec-state', 'data-state': str(r.state) },
    facts.join(' · '),
    r.state === 'exporting' ? el('progress', { max: 100, value: Number(r.progress) || 0 }) : null,
  );
  const files = sortFiles(r.files);
  const cols = ['clerk.col.file', 'clerk.col.duration', 'clerk.col.size', null, 'clerk.col.integrity'];
  const table = files.length
    ? el(
        'table',
        { class: 'record-table clerk-files' },
        el('thead', {}, el('tr', {}, ...cols.map((k) => el('th', { scope: 'col' }, k ? t(k) : '')))),
        el('tbody', {}, ...files.map(fileRow)),
      )
    : null;
  return el(
    'article',
    { class: 'clerk-recording', 'data-id': str(r.id), 'data-state': str(r.state) },
    el('h4', {}, t('clerk.recording', { n, from: dateTime(r.started_at), to: dateTime(r.stopped_at) })),
    head,
    table,
  );
}

function renderRecordings() {
  const recs = dh.recordings;
  // Newest first, numbered from the first of the meeting.
  $('recordings').replaceChildren(
    ...(recs.length ? recs.map((r, i) => recordingBlock(r, recs.length - i)) : [el('p', { class: 'empty' }, t('clerk.rec.none'))]),
  );
}

function table(cols, rows, className) {
  return el(
    'table',
    { class: `record-table ${className}` },
    el('thead', {}, el('tr', {}, ...cols.map((c) => el('th', { scope: 'col' }, c)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, c instanceof Node ? c : str(c)))))),
  );
}

const none = () => el('p', { class: 'empty' }, t('record.none'));
const rollState = (s) => (ROLL_STATES.includes(s) ? t(`roll.state.${s}`) : str(s));

function renderMeeting() {
  const doc = dh.meeting;
  $('meeting').hidden = !doc;
  if (!doc) return;
  const m = doc.meeting || {};
  $('meeting-title').textContent = str(m.title) || str(m.id);
  const mstate = ['scheduled', 'open', 'closed'].includes(m.state) ? t(`clerk.meeting.${m.state}`) : str(m.state);
  $('meeting-facts').textContent = [str(m.id), `${dateTime(m.starts_at)} → ${dateTime(m.ends_at)}`, mstate].filter(Boolean).join(' · ');
  renderRecordings();

  const att = arr(doc.attendance);
  $('attendance').replaceChildren(
    att.length
      ? table(
          [t('record.col.site'), t('roll.col.state'), t('roll.col.first'), t('record.col.last_left'), t('roll.col.time'), t('roll.col.joins')],
          att.map((a) => [
            a.name ? `${a.name} (${a.site})` : str(a.site),
            rollState(a.state),
            dateTime(a.first_joined),
            dateTime(a.last_left),
            duration(a.seconds_present),
            str(a.joins ?? ''),
          ]),
          'clerk-attendance',
        )
      : none(),
  );

  // A token of this meeting or an archive clerk's (or an admin's) opens the files.
  const docs = arr(doc.documents);
  const own = claims.m === current || archive || claims.r === 'admin';
  $('documents').replaceChildren(
    docs.length
      ? table(
          [t('record.col.title'), t('record.col.version'), t('record.col.size'), 'SHA-256'],
          docs.map((d) => [
            own ? el('a', { href: `${base}/api/documents/${enc(d.id)}?token=${enc(token)}`, target: '_blank', rel: 'noopener' }, str(d.title)) : str(d.title),
            str(d.version),
            size(d.size),
            el('code', { class: 'sha' }, str(d.sha256)),
          ]),
          'clerk-documents',
        )
      : none(),
    docs.length && !own ? el('p', { class: 'muted' }, t('clerk.documents.scoped')) : '',
  );
}

// ---- player and checks -----------------------------------------------------------------------
function stopPlayer() {
  const v = $('player');
  v.pause();
  v.removeAttribute('src');
  v.load();
  dh.set('playing', null);
  $('player-caption').textContent = t('clerk.player.empty');
}

function play(f) {
  const v = $('player');
  v.src = fileUrl(f);
  dh.set('playing', f.id);
  $('player-caption').textContent = t('clerk.playing', { name: fileLabel(f) });
  renderRecordings();
  // Without a click (a link opened by a script) the browser may refuse sound: play muted then.
  v.play().catch(() => {
    v.muted = true;
    return v.play().catch(() => {});
  });
}

async function checkFile(id) {
  dh.set('verify', { ...dh.verify, [id]: { pending: true } });
  renderRecordings();
  let result;
  try {
    result = await getJson(`${base}/api/recordings/${enc(id)}/verify`, token);
  } catch (e) {
    result = { error: e.message || String(e) };
    dh.pushError({ code: e.code || 'network', message: `verify ${id}: ${result.error}`, where: 'verify' });
  }
  dh.set('verify', { ...dh.verify, [id]: result });
  renderRecordings();
  return result;
}

// ---- start -----------------------------------------------------------------------------------
Object.defineProperty(dh, 'search', { value: (q) => search(q ? { from: q.from || '', to: q.to || '', q: q.q || '' } : readForm()), configurable: true });
Object.defineProperty(dh, 'open', { value: openMeeting, configurable: true });
Object.defineProperty(dh, 'checkFile', { value: checkFile, configurable: true });

$('search').addEventListener('submit', (ev) => {
  ev.preventDefault();
  search().catch(() => {});
});
function renderIdentity() {
  const who = $('identity');
  if (who) who.textContent = [roleLabel(claims.r), archive ? '' : `${t('room.meeting')}: ${str(claims.m)}`].filter(Boolean).join(' · ');
}

onLangChange(() => {
  renderIdentity();
  renderResults();
  renderMeeting();
  if (dh.playing) {
    const f = dh.recordings.flatMap((r) => arr(r.files)).find((x) => x.id === dh.playing);
    if (f) $('player-caption').textContent = t('clerk.playing', { name: fileLabel(f) });
  } else {
    $('player-caption').textContent = t('clerk.player.empty');
  }
});

if (!token) {
  fail('no_token', t('err.no_token'));
  dh.setState('error');
} else {
  renderIdentity();
  if (archive || claims.r === 'admin') {
    // The last month, the archive's most asked-for span.
    const today = new Date();
    $('to').value = isoDay(today);
    $('from').value = isoDay(new Date(today.getTime() - 30 * 86400 * 1000));
    search().catch(() => {});
  } else {
    // A meeting's own token finds that meeting only: it is opened at once.
    search({ from: '', to: '', q: '' })
      .then(() => openMeeting(claims.m))
      .catch(() => {});
  }
}
