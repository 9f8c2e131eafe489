// The "remove this site?" dialog (<dialog id="kick-dialog">): says which site, takes an optional
// reason, resolves with { ok, reason }. Markup: #kick-dialog, #kick-text, #kick-reason,
// #kick-confirm, #kick-cancel.

import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);

export function confirmKick({ site, name }) {
  const dialog = $('kick-dialog');
  if (!dialog || typeof dialog.showModal !== 'function') {
    const ok = window.confirm(t('kick.confirm', { name: name || site, site }));
    return Promise.resolve({ ok, reason: '' });
  }
  $('kick-text').textContent = t('kick.confirm', { name: name || site, site });
  const reason = $('kick-reason');
  reason.value = '';
  return new Promise((resolve) => {
    const finish = (ok) => {
      $('kick-confirm').removeEventListener('click', onOk);
      $('kick-cancel').removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      resolve({ ok, reason: reason.value.trim().slice(0, 200) });
    };
    const onOk = (ev) => {
      ev.preventDefault();
      finish(true);
    };
    const onCancel = (ev) => {
      ev.preventDefault();
      finish(false);
    };
    $('kick-confirm').addEventListener('click', onOk);
    $('kick-cancel').addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
    dialog.showModal();
    reason.focus();
  });
}
