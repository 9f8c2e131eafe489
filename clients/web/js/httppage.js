// What whip.html and whep.html share: test hooks, the meeting/token form, Start/Stop buttons,
// errors into the status line, the live stats table. The page supplies start() and stop().

import { t, initI18n } from './i18n.js';
import { readParams, tokenClaims, hubBase } from './params.js';
import { installTestHooks } from './testhooks.js';
import { setStatus, setStatusError, setConn } from './ui.js';
import { mountStatsPanel } from './statspanel.js';

const $ = (id) => document.getElementById(id);

export function setupHttpPage(kind, { start, stop }) {
  const dh = installTestHooks(kind);
  const params = readParams();
  initI18n(params);
  setConn('pc', 'idle');

  const meetingInput = $('meeting');
  const tokenInput = $('token');
  const startBtn = $('start');
  const stopBtn = $('stop');
  const token0 = params.get('token') || '';
  const claims = tokenClaims(token0) || {};
  meetingInput.value = params.get('meeting') || claims.m || '';
  tokenInput.value = token0;

  let running = false;
  const sync = () => {
    startBtn.disabled = running;
    stopBtn.disabled = !running;
  };

  const fail = (e, where) => {
    const code = e && e.code ? e.code : 'webrtc';
    const message = e && e.message ? e.message : String(e);
    dh.pushError({ code, message, where });
    setStatusError(code, message);
  };

  const doStop = async () => {
    if (!running) return;
    running = false;
    sync();
    try {
      await stop();
    } catch (e) {
      fail(e, 'stop');
    }
    setConn('pc', 'closed');
    dh.setState('init');
    setStatus('status.stopped');
  };

  const doStart = async () => {
    if (running) return;
    const meeting = meetingInput.value.trim();
    const token = tokenInput.value.trim();
    if (!token) {
      fail({ code: 'no_token', message: t('err.no_token') }, 'page');
      dh.setState('error');
      return;
    }
    if (!meeting) {
      fail({ code: 'no_meeting', message: t('err.no_meeting') }, 'page');
      dh.setState('error');
      return;
    }
    running = true;
    sync();
    dh.meeting = meeting;
    try {
      await start({ meeting, token, base: hubBase(params), params, dh });
    } catch (e) {
      fail(e, 'start');
      dh.setState('error');
      running = false;
      sync();
      try {
        await stop();
      } catch {
        /* nothing more to undo */
      }
    }
  };

  startBtn.form?.addEventListener('submit', (ev) => ev.preventDefault());
  startBtn.addEventListener('click', doStart);
  stopBtn.addEventListener('click', doStop);
  window.addEventListener('pagehide', () => {
    if (running) stop({ unloading: true }).catch(() => {});
  });
  dh.start = doStart;
  dh.stop = doStop;
  sync();
  mountStatsPanel($('stats'), () => dh.stats());

  if (meetingInput.value && tokenInput.value && params.get('autostart') !== '0') doStart();
  else setStatus('status.ready');
  return dh;
}
