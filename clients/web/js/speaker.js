// The active speaker (`speaker` event): its name in a line (#speaker-name) and the class `speaking`
// on every element of the page that stands for it (data-peer = its peer, or data-site = its site).

import { t, onLangChange, roleLabel } from './i18n.js';
import { speakerOf } from './eventdata.js';

function cssString(s) {
  return window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, '\\$&');
}

export function mountSpeaker(nameEl) {
  let current = null;

  const label = () => {
    if (!nameEl) return;
    nameEl.textContent = current ? current.name || current.site || roleLabel(current.role) || current.peer : t('speaker.none');
    nameEl.dataset.active = current ? '1' : '0';
  };

  const mark = () => {
    for (const el of document.querySelectorAll('.speaking')) el.classList.remove('speaking');
    if (!current) return;
    const sel = [];
    if (current.peer) sel.push(`[data-peer="${cssString(current.peer)}"]`);
    if (current.site) sel.push(`[data-site="${cssString(current.site)}"]`);
    for (const el of document.querySelectorAll(sel.join(','))) {
      if (el.tagName !== 'BUTTON') el.classList.add('speaking');
    }
  };

  label();
  onLangChange(label);
  return {
    update(data) {
      current = speakerOf(data);
      label();
      mark();
    },
    // After tiles or rows were redrawn.
    reapply: mark,
    get current() {
      return current;
    },
  };
}
