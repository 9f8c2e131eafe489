// Buttons made in script: translated labels (data-i18n, redrawn by applyI18n on a language change)
// and requests that keep the button disabled until the hub replies.

import { t } from './i18n.js';

export function i18nButton(key, className = '') {
  const b = document.createElement('button');
  b.type = 'button';
  if (className) b.className = className;
  b.dataset.i18n = key;
  b.textContent = t(key);
  return b;
}

// Runs a request from a button: the button is disabled until the reply comes; then done() runs
// (by default it enables the button again).
export function busyClick(button, fn, done = () => { button.disabled = false; }) {
  button.disabled = true;
  button.dataset.busy = '1';
  Promise.resolve()
    .then(fn)
    .catch(() => {
      /* the error is already in the status line */
    })
    .finally(() => {
      delete button.dataset.busy;
      done();
    });
}
