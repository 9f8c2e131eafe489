// What every meeting page (chair, site, operator) does around its Session: the test hooks, the status
// line and connection badges, dh.state, reconnecting and its countdown, and the end (kicked,
// replaced, token refused). The page adds its own tiles and panels through the callbacks.
//
// dh.state: 'init' | 'joined' | 'publishing' | 'reconnecting' (socket dropped, rejoining) | 'error'

import { t, onLangChange, roleLabel } from './i18n.js';
import { Session } from './session.js';
import { installMeetingHooks, kickedReason } from './meetinghooks.js';
import { collectStats } from './stats.js';
import { setStatus, setStatusError, setNotice, setConn } from './ui.js';

const $ = (id) => document.getElementById(id);

export function recordError(dh, code, message, where) {
  dh.pushError({ code, message, where });
  setStatusError(code, message);
}

// The header's "who am I": name · role · site · meeting.
export function showIdentity(info, name) {
  const el = $('identity');
  if (!el) return;
  const render = () => {
    const parts = [name, roleLabel(info.role), info.site].filter(Boolean);
    el.textContent = [...new Set(parts), `${t('room.meeting')}: ${info.meeting}`].join(' · ');
  };
  render();
  onLangChange(render);
}

// hooks: { onResult(type, result, fields), onUp(info, detail), onDown(detail), onEnded(detail) }
export function setupSession({ dh, url, token, name, meeting, codec, simulcast = false, hooks = {} }) {
  const session = new Session({ url, token, name, meeting, codec, simulcast });
  const controls = installMeetingHooks(dh, session, {
    onResult: (type, result, fields) => hooks.onResult && hooks.onResult(type, result, fields),
    onError: (err, type) => recordError(dh, err.code, err.message ? `${type}: ${err.message}` : type, type),
  });
  Object.defineProperty(dh, 'session', { value: session, configurable: true });

  session.addEventListener('error', (ev) => recordError(dh, ev.detail.code, ev.detail.message, ev.detail.where));
  session.addEventListener('pcstate', (ev) => setConn(ev.detail.target === 'publisher' ? 'pub' : 'sub', ev.detail.state));
  session.addEventListener('transport', (ev) => {
    const d = ev.detail;
    if (d.state === 'failed') recordError(dh, 'transport_failed', `${d.target}${d.reason ? ': ' + d.reason : ''}`, d.target);
  });
  session.addEventListener('socket', (ev) => setConn('ws', ev.detail.state === 'connecting' ? 'connecting' : ev.detail.state));

  session.addEventListener('joined', (ev) => {
    dh.peer = ev.detail.info.peer;
    dh.role = ev.detail.info.role;
    dh.meeting = ev.detail.info.meeting;
  });

  // Countdown to the next try.
  let countdown = null;
  const stopCountdown = () => {
    clearInterval(countdown);
    countdown = null;
  };
  session.addEventListener('down', (ev) => {
    const { delayMs, attempt } = ev.detail;
    dh.setState('reconnecting');
    setConn('ws', 'reconnecting');
    setConn('pub', 'closed');
    setConn('sub', 'closed');
    const due = Date.now() + delayMs;
    const show = () => {
      const s = Math.max(0, Math.ceil((due - Date.now()) / 1000));
      setStatus('status.reconnecting', { s, n: attempt }, 'warn');
    };
    stopCountdown();
    show();
    countdown = setInterval(show, 500);
    if (hooks.onDown) hooks.onDown(ev.detail);
  });
  session.addEventListener('retry', (ev) => {
    const e = ev.detail.error || {};
    console.warn('rejoin failed', e.code, e.message);
  });
  session.addEventListener('up', (ev) => {
    stopCountdown();
    const { info, published } = ev.detail;
    dh.setState(published ? 'publishing' : 'joined');
    setConn('ws', 'open');
    setStatus('status.reconnected', { n: ev.detail.reconnects }, 'ok');
    if (hooks.onUp) hooks.onUp(info, ev.detail);
  });
  session.addEventListener('ended', (ev) => {
    stopCountdown();
    const { code, reason } = ev.detail;
    setConn('ws', 'closed');
    setConn('pub', 'closed');
    setConn('sub', 'closed');
    if (code === 'kicked') {
      if (dh.kicked === null) dh.set('kicked', kickedReason(reason));
      dh.pushError({ code: 'kicked', message: reason || '', where: 'ws' });
      setStatusError('kicked', reason || t('kicked.noreason'));
      setNotice('kicked.notice', { reason: reason || t('kicked.noreason') });
      $('rejoin') && ($('rejoin').hidden = true);
    } else if (code === 'replaced') {
      dh.pushError({ code: 'replaced', message: reason || '', where: 'ws' });
      setStatusError('replaced', reason);
      setNotice('replaced.notice');
      $('rejoin') && ($('rejoin').hidden = false);
    } else {
      recordError(dh, code, reason, 'join');
      $('rejoin') && ($('rejoin').hidden = code === 'revoked');
    }
    $('leave') && ($('leave').hidden = true);
    dh.setSources([], dh.revision);
    dh.setState('error');
    if (hooks.onEnded) hooks.onEnded(ev.detail);
  });

  dh.setStatsProvider(() => {
    const m = session.meeting;
    if (!m) return Promise.resolve({ inbound: [], outbound: [] });
    return collectStats({
      inboundPcs: [m.subscriber],
      outboundPcs: [m.publisher],
      sourceByMid: (mid) => m.sources.find((s) => String(s.mid) === mid),
    });
  });

  return { session, controls };
}
