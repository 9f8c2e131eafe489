// index.html: language switch and the "open with an access token" form.

import { initI18n } from './i18n.js';
import { readParams, tokenClaims } from './params.js';
import { installTestHooks } from './testhooks.js';

installTestHooks('index');
initI18n(readParams());

const form = document.getElementById('open-form');
form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const page = form.elements.page.value;
  const token = form.elements.token.value.trim();
  const name = form.elements.name.value.trim();
  if (!token) {
    form.elements.token.focus();
    return;
  }
  const frag = new URLSearchParams({ token });
  if (name) frag.set('name', name);
  if (page === 'whip.html' || page === 'whep.html' || page === 'record.html') {
    const claims = tokenClaims(token);
    if (claims && claims.m) frag.set('meeting', claims.m);
  }
  window.location.href = `${page}#${frag.toString()}`;
});

// Suggest the page that fits the token's role.
form.elements.token.addEventListener('input', () => {
  const claims = tokenClaims(form.elements.token.value.trim());
  if (!claims) return;
  if (claims.r === 'chair') form.elements.page.value = 'chair.html';
  else if (claims.r === 'site') form.elements.page.value = 'site.html';
  else if (claims.r === 'operator') form.elements.page.value = 'operator.html';
  // A clerk of "_hub" keeps the archive; a meeting's clerk writes its record.
  else if (claims.r === 'clerk') form.elements.page.value = claims.m === '_hub' ? 'clerk.html' : 'record.html';
});
