// The attendance table (`roll` events and replies): one row per invited site with its state
// (present, late, absent, reconnecting), first join time, time present and number of joins; a
// summary of the states. The time present of connected sites keeps counting between events.
// Markup (operator.html): #roll-body (tbody), #roll-summary, #roll-empty.

import { t, onLangChange } from './i18n.js';
import { KeyedList, setText } from './listsync.js';
import { rollRows } from './eventdata.js';
import { clock, duration } from './fmt.js';

const $ = (id) => document.getElementById(id);
export const ROLL_STATES = ['present', 'late', 'reconnecting', 'absent'];
const COUNTING = new Set(['present', 'late']);

function cell(tr, className) {
  const td = document.createElement('td');
  if (className) td.className = className;
  tr.append(td);
  return td;
}

export function mountRoll() {
  let rows = [];
  let receivedAt = Date.now();

  const stateLabel = (s) => (ROLL_STATES.includes(s) ? t(`roll.state.${s}`) : String(s || ''));

  const present = (r) => {
    const base = Number(r.seconds_present) || 0;
    return COUNTING.has(r.state) ? base + (Date.now() - receivedAt) / 1000 : base;
  };

  const list = new KeyedList($('roll-body'), {
    key: (r) => r.site,
    create: (r) => {
      const el = document.createElement('tr');
      el.dataset.site = r.site;
      const who = cell(el, 'r-name');
      const name = document.createElement('b');
      const code = document.createElement('small');
      who.append(name, code);
      const state = document.createElement('span');
      state.className = 'state';
      cell(el, 'r-state').append(state);
      return { el, name, code, state, first: cell(el, 'r-time'), time: cell(el, 'r-num'), joins: cell(el, 'r-num') };
    },
    update: (node, r) => {
      setText(node.name, r.name || r.site);
      setText(node.code, r.name && r.name !== r.site ? r.site : '');
      if (node.el.dataset.state !== r.state) node.el.dataset.state = r.state || '';
      setText(node.state, stateLabel(r.state));
      setText(node.first, clock(r.first_joined));
      setText(node.time, duration(present(r)));
      setText(node.joins, String(Number(r.joins) || 0));
    },
  });

  const summary = () => {
    const n = Object.fromEntries(ROLL_STATES.map((s) => [s, 0]));
    for (const r of rows) if (r.state in n) n[r.state] += 1;
    setText($('roll-summary'), ROLL_STATES.map((s) => `${t(`roll.state.${s}`)}: ${n[s]}`).join(' · '));
    $('roll-empty').hidden = rows.length > 0;
  };

  const redraw = () => {
    list.sync(rows);
    summary();
  };

  // Time present of the sites there now, every 5 s.
  setInterval(() => {
    for (const r of rows) {
      if (!COUNTING.has(r.state)) continue;
      const node = list.get(r.site);
      if (node) setText(node.time, duration(present(r)));
    }
  }, 5000);
  onLangChange(redraw);
  summary();

  return {
    update(data) {
      rows = rollRows(data);
      receivedAt = Date.now();
      redraw();
    },
    get rows() {
      return rows;
    },
  };
}
