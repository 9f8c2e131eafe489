// "This meeting is being recorded", on every meeting page (the `recording` event, also sent on
// join), and for the chair and operators the button that starts and stops the recording and the
// alarms the hub raises (`recording_alarm`: copies dropped, or the disk failed and recording
// stopped).
//
// Test hooks (window.dh):
//   dh.recording         latest `recording` event data: { active, recording?, since?, reason? }
//                        or null before the first
//   dh.recordingAlarms   every `recording_alarm` event data, oldest first
//   dh.recordingStart() dh.recordingStop()   resolve with the hub's result, reject with
//                        { code, message }

import { t, onLangChange, errorLabel } from './i18n.js';
import { el } from './dom.js';
import { panelCall } from './panelcall.js';
import './i18n_recording.js';

export function mountRecording({ dh, session, root, control = false }) {
  dh.recording = null;
  dh.recordingAlarms = [];
  let busy = false;
  let lastError = null;

  const badge = el('span', { class: 'rec-badge', hidden: true });
  badge.setAttribute('role', 'status');
  const button = el('button', { type: 'button', class: 'rec-toggle', hidden: !control });
  const alarm = el('span', { class: 'rec-alarm', hidden: true });
  alarm.setAttribute('role', 'alert');
  root.replaceChildren(badge, button, alarm);

  const call = panelCall(session, dh, {
    setBusy: (b) => (busy = b),
    setError: (e) => (lastError = e),
    render,
  });

  function render() {
    const active = Boolean(dh.recording && dh.recording.active);
    badge.hidden = !active;
    badge.textContent = t('rec.on');
    root.dataset.recording = active ? 'on' : 'off';
    button.textContent = t(active ? 'rec.stop' : 'rec.start');
    button.classList.toggle('danger', active);
    button.disabled = busy;
    const last = dh.recordingAlarms[dh.recordingAlarms.length - 1];
    const text = lastError
      ? `${errorLabel(lastError.code)}${lastError.message ? ': ' + lastError.message : ''}`
      : last
        ? last.reason === 'dropped'
          ? t('rec.alarm.dropped', { n: last.dropped })
          : t('rec.alarm.stopped', { reason: last.reason })
        : '';
    alarm.hidden = !control || !text;
    alarm.textContent = text;
  }

  session.on('recording', (d) => {
    dh.set('recording', d);
    render();
  });
  session.on('recording_alarm', (d) => {
    dh.recordingAlarms.push(d);
    dh.set('recordingAlarms', dh.recordingAlarms);
    render();
  });
  button.addEventListener('click', () => {
    const active = dh.recording && dh.recording.active;
    call(active ? 'recording_stop' : 'recording_start').catch(() => {});
  });
  Object.defineProperty(dh, 'recordingStart', { value: () => call('recording_start'), configurable: true });
  Object.defineProperty(dh, 'recordingStop', { value: () => call('recording_stop'), configurable: true });
  onLangChange(render);
  render();
}
