// The meeting's agenda (chương trình), on the site, chair and operator pages: the list of items
// with the current one highlighted (`agenda` events, also on join). The chair (and the operator
// with editor: true) also edits it: one line per item, "Tiêu đề | Người trình bày", saved with
// agenda_set, and moves to the previous / next item with agenda_go.
//
// Test hooks (window.dh):
//   dh.agenda            latest `agenda` event data ({ items: [{id, index, title, presenter}], current })
//                        or null before the first
//   dh.agendaSet(items)  items: [{title, presenter?}] or lines "Tiêu đề | Người trình bày"
//   dh.agendaGo(index)   0-based
//   Both resolve with the hub's result, reject with { code, message } (unknown_type while the hub
//   does not know the agenda yet).

import { t, onLangChange, errorLabel } from './i18n.js';
import { el } from './dom.js';
import { panelCall } from './panelcall.js';



// "Tiêu đề | Người trình bày" -> { title, presenter }; blank lines are skipped.
export function parseAgendaText(text) {
  return String(text || '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map(parseItem);
}

function parseItem(x) {
  if (x && typeof x === 'object') {
    const item = { title: String(x.title || '').trim() };
    const p = String(x.presenter || '').trim();
    if (p) item.presenter = p;
    return item;
  }
  const s = String(x || '');
  const bar = s.indexOf('|');
  const title = (bar < 0 ? s : s.slice(0, bar)).trim();
  const presenter = bar < 0 ? '' : s.slice(bar + 1).trim();
  return presenter ? { title, presenter } : { title };
}

export function agendaText(items) {
  return (items || []).map((i) => (i.presenter ? `${i.title} | ${i.presenter}` : i.title)).join('\n');
}

export function agendaItems(data) {
  return data && Array.isArray(data.items) ? data.items : [];
}

export function mountAgenda({ dh, session, root, editor = false }) {
  dh.agenda = null;
  if (!root) root = el('section');
  root.classList.add('panel', 'agenda-panel');

  let lastError = null;
  let busy = false;
  let dirty = false; // the chair is typing: incoming agendas do not overwrite the text

  const title = el('h2', { class: 'panel-title agenda-title' });
  const list = el('ol', { class: 'agenda-list' });
  const empty = el('p', { class: 'empty agenda-empty' });
  const prev = el('button', { type: 'button', class: 'agenda-prev' });
  const next = el('button', { type: 'button', class: 'agenda-next primary' });
  const nav = el('div', { class: 'agenda-nav' }, prev, next);
  const text = el('textarea', { class: 'agenda-text', rows: 5, spellcheck: false });
  const hint = el('p', { class: 'muted agenda-hint' });
  const save = el('button', { type: 'submit', class: 'agenda-save' });
  const form = el('form', { class: 'agenda-form' }, text, hint, save);
  const details = el('details', { class: 'agenda-edit' }, el('summary', { class: 'agenda-edit-title' }), form);
  const msg = el('p', { class: 'agenda-msg', hidden: true });
  msg.setAttribute('role', 'status');

  root.replaceChildren(title, list, empty);
  if (editor) root.append(nav, details);
  root.append(msg);

  function render() {
    const a = dh.agenda;
    const items = agendaItems(a);
    const cur = a ? Number(a.current) : -1;
    title.textContent = t('agenda.title');
    empty.textContent = t('agenda.empty');
    empty.hidden = items.length > 0;
    list.replaceChildren(
      ...items.map((it, i) => {
        const idx = Number.isInteger(it.index) ? it.index : i;
        const li = el('li', { 'data-index': String(idx), 'data-id': it.id || '' });
        li.append(el('span', { class: 'agenda-item-title' }, it.title || ''));
        if (it.presenter) li.append(el('small', { class: 'agenda-presenter' }, it.presenter));
        if (idx === cur) {
          li.classList.add('current');
          li.setAttribute('aria-current', 'step');
        }
        return li;
      }),
    );
    if (editor) {
      prev.textContent = t('agenda.prev');
      next.textContent = t('agenda.next');
      prev.disabled = busy || !items.length || cur <= 0;
      next.disabled = busy || !items.length || cur >= items.length - 1;
      details.querySelector('summary').textContent = t('agenda.edit');
      hint.textContent = t('agenda.hint');
      text.placeholder = t('agenda.placeholder');
      text.setAttribute('aria-label', t('agenda.edit'));
      save.textContent = t('agenda.save');
      save.disabled = busy;
      if (!dirty) text.value = agendaText(items);
    }
    msg.hidden = !lastError;
    msg.textContent = lastError ? `${errorLabel(lastError.code)}${lastError.message ? ': ' + lastError.message : ''}` : '';
  }

  session.on('agenda', (d) => {
    dh.set('agenda', d && typeof d === 'object' ? d : null);
    render();
  });
  onLangChange(render);

  const call = panelCall(session, dh, {
    setBusy: (b) => {
      busy = b;
    },
    setError: (e) => {
      lastError = e;
    },
    render,
  });

  const fns = {
    agendaSet(items) {
      const list = typeof items === 'string' ? parseAgendaText(items) : (items || []).map(parseItem).filter((i) => i.title);
      return call('agenda_set', { items: list });
    },
    agendaGo(index) {
      return call('agenda_go', { index: Number(index) });
    },
  };
  for (const [name, value] of Object.entries(fns)) Object.defineProperty(dh, name, { value, configurable: true });

  if (editor) {
    text.addEventListener('input', () => (dirty = true));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      fns
        .agendaSet(parseAgendaText(text.value))
        .then(() => {
          dirty = false;
          render();
        })
        .catch(() => {});
    });
    const go = (step) => {
      const a = dh.agenda;
      if (!a) return;
      fns.agendaGo(Number(a.current) + step).catch(() => {});
    };
    prev.addEventListener('click', () => go(-1));
    next.addEventListener('click', () => go(1));
  }

  render();
  return fns;
}
