// record.html: the meeting record (biên bản), GET /api/meetings/{meeting}/record with the token as a
// Bearer header (chair, operator, clerk): the meeting and its schedule, the agenda, the documents
// (SHA-256, download), the votes with results and ballots per site, the attendance. "Tải JSON"
// saves the record as it came.
//
// Link: record.html#meeting=m-…&token=dh1.… (meeting defaults to the token's; #server= as elsewhere)
// Test hooks (window.dh): dh.state 'init' | 'loaded' | 'error'; dh.record the loaded JSON (null
// before); dh.errors; dh.reload() resolves with the record (rejects with { code, message, status }).

import { t, initI18n, onLangChange, roleLabel } from './i18n.js';
import { readParams, tokenClaims, hubBase } from './params.js';
import { installTestHooks } from './testhooks.js';
import { setStatus, setStatusError } from './ui.js';
import { dateTime, duration, size } from './fmt.js';
import { getJson } from './api.js';
import { ROLL_STATES } from './roll.js';
import { el } from './dom.js';

const dh = installTestHooks('record');
dh.record = null;
const params = readParams();
initI18n(params);
const $ = (id) => document.getElementById(id);

const token = params.get('token') || '';
const claims = tokenClaims(token) || {};
const meeting = params.get('meeting') || claims.m || '';
const base = hubBase(params);


const arr = (v) => (Array.isArray(v) ? v : []);
const str = (v) => (v === null || v === undefined ? '' : String(v));

function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function fail(code, message, status = 0) {
  const err = { code, message, status };
  dh.pushError({ code, message, where: 'record' });
  setStatusError(code, t('record.failed', { reason: message }));
  return err;
}

// ---- fetching --------------------------------------------------------------------------------
function fetchRecord() {
  return getJson(`${base}/api/meetings/${encodeURIComponent(meeting)}/record`, token);
}

async function downloadDocument(doc, button) {
  button.disabled = true;
  try {
    const res = await fetch(`${base}/api/documents/${encodeURIComponent(doc.id)}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    if (!res.ok) throw { code: 'http', message: `${res.status}`, status: res.status };
    const blob = await res.blob();
    const type = doc.type || blob.type || '';
    const ext = type === 'application/pdf' ? '.pdf' : type.startsWith('image/') ? '.' + type.slice(6) : '';
    const name = (str(doc.title) || doc.id).replace(/[\\/:*?"<>|]+/g, '_');
    saveBlob(blob, /\.[a-z0-9]{2,5}$/i.test(name) ? name : `${name}${ext}`);
  } catch (e) {
    fail(e.code || 'network', `${doc.id}: ${e.message || e}`, e.status || 0);
  } finally {
    button.disabled = false;
  }
}

// ---- rendering -------------------------------------------------------------------------------
function table(cols, rows, className) {
  const head = el('tr', {}, ...cols.map((c) => el('th', { scope: 'col' }, c)));
  return el(
    'table',
    { class: `record-table ${className}` },
    el('thead', {}, head),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => (c instanceof Node ? el('td', {}, c) : el('td', {}, str(c))))))),
  );
}

function section(id, titleKey, body, count) {
  const h = el('h2', {}, t(titleKey), count !== undefined ? el('span', { class: 'count' }, ` (${count})`) : '');
  return el('section', { class: 'panel record-section', id }, h, body);
}

const none = () => el('p', { class: 'empty' }, t('record.none'));
const choiceLabel = (c) => (['agree', 'disagree', 'abstain'].includes(c) ? t(`vote.${c}`) : str(c));
const rollState = (s) => (ROLL_STATES.includes(s) ? t(`roll.state.${s}`) : str(s));

function render() {
  const rec = dh.record;
  const root = $('record');
  if (!rec) {
    root.replaceChildren();
    return;
  }
  const m = rec.meeting || {};
  const agenda = arr(rec.agenda);
  const docs = arr(rec.documents);
  const votes = arr(rec.votes);
  const att = arr(rec.attendance);
  const itemTitle = (id) => {
    const it = agenda.find((a) => a.id === id);
    return it ? `${Number(it.index) + 1}. ${it.title}` : str(id);
  };

  const head = el(
    'section',
    { class: 'panel record-head', id: 'record-meeting' },
    el('h2', { class: 'record-meeting-title' }, str(m.title) || str(m.id)),
    el(
      'dl',
      { class: 'record-facts' },
      el('dt', {}, t('record.id')),
      el('dd', {}, str(m.id)),
      el('dt', {}, t('record.starts')),
      el('dd', {}, dateTime(m.starts_at)),
      ...(m.ends_at ? [el('dt', {}, '→'), el('dd', {}, dateTime(m.ends_at))] : []),
      el('dt', {}, t('record.state')),
      el('dd', {}, str(m.state)),
    ),
  );

  const agendaBody = agenda.length
    ? el(
        'ol',
        { class: 'record-agenda' },
        ...agenda.map((a) =>
          el('li', { 'data-id': str(a.id) }, el('b', {}, str(a.title)), a.presenter ? el('span', { class: 'muted' }, ` — ${a.presenter}`) : ''),
        ),
      )
    : none();

  const docsBody = docs.length
    ? table(
        [t('record.col.title'), t('record.col.version'), t('record.col.size'), t('record.col.item'), 'SHA-256', t('record.col.file')],
        docs.map((d) => {
          const b = el('button', { type: 'button', class: 'record-download', 'data-id': str(d.id) }, t('record.download'));
          b.addEventListener('click', () => downloadDocument(d, b));
          return [str(d.title), str(d.version), size(d.size), d.item ? itemTitle(d.item) : '', el('code', { class: 'sha' }, str(d.sha256)), b];
        }),
        'record-docs',
      )
    : none();

  const votesBody = votes.length
    ? el(
        'div',
        { class: 'record-votes' },
        ...votes.map((v, i) => {
          const r = v.result || {};
          const ballots = arr(v.ballots);
          const res = el(
            'p',
            { class: 'record-result' },
            el('b', {}, `${t('record.result')}: `),
            `${t('vote.agree')} ${r.agree ?? 0} · ${t('vote.disagree')} ${r.disagree ?? 0} · ${t('vote.abstain')} ${r.abstain ?? 0} · ${t('vote.voted')} ${r.voted ?? ballots.length}/${r.eligible ?? '?'}`,
          );
          const state = v.state === 'open' || v.state === 'closed' ? t(`record.state.${v.state}`) : str(v.state);
          return el(
            'article',
            { class: 'record-vote', 'data-id': str(v.id) },
            el('h3', {}, `${i + 1}. ${str(v.question)}`),
            el('p', { class: 'muted' }, [state, v.item ? itemTitle(v.item) : '', v.opened_at ? dateTime(v.opened_at) : ''].filter(Boolean).join(' · ')),
            res,
            el(
              'details',
              {},
              el('summary', {}, t('record.ballots', { n: ballots.length })),
              ballots.length
                ? table(
                    [t('record.col.site'), t('record.col.choice'), t('record.col.at')],
                    ballots.map((b) => [b.name ? `${b.name} (${b.site})` : str(b.site), choiceLabel(b.choice), dateTime(b.at)]),
                    'record-ballots',
                  )
                : none(),
            ),
          );
        }),
      )
    : none();

  const attBody = att.length
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
        'record-attendance',
      )
    : none();

  root.replaceChildren(
    head,
    section('record-agenda', 'record.agenda', agendaBody, agenda.length),
    section('record-documents', 'record.documents', docsBody, docs.length),
    section('record-votes', 'record.votes', votesBody, votes.length),
    section('record-attendance', 'record.attendance', attBody, att.length),
  );
}

// ---- start -------------------------------------------------------------------------------
async function load() {
  setStatus('record.loading');
  try {
    const rec = await fetchRecord();
    dh.set('record', rec);
    render();
    $('save-json').disabled = false;
    dh.setState('loaded');
    setStatus('record.loaded', {}, 'ok');
    return rec;
  } catch (e) {
    const err = fail(e.code || 'network', e.message || String(e), e.status || 0);
    dh.setState('error');
    throw err;
  }
}

Object.defineProperty(dh, 'reload', { value: load, configurable: true });
$('reload').addEventListener('click', () => load().catch(() => {}));
$('save-json').addEventListener('click', () => {
  if (!dh.record) return;
  saveBlob(new Blob([JSON.stringify(dh.record, null, 2)], { type: 'application/json' }), `bien-ban-${meeting}.json`);
});
onLangChange(render);

if (!token) {
  fail('no_token', t('err.no_token'));
  dh.setState('error');
} else if (!meeting) {
  fail('no_meeting', 'meeting');
  dh.setState('error');
} else {
  const who = $('identity');
  if (who) who.textContent = [roleLabel(claims.r), claims.s, `${t('room.meeting')}: ${meeting}`].filter(Boolean).join(' · ');
  load().catch(() => {});
}
