// The operator's list of every invited site, from `wall` events (about 580 rows, up to once a
// second): connected, audio level, video, bitrate, loss, hand, floor, and per site "give the floor",
// "mute" (take the floor) and "remove" (kick). Rows are created once and then only the cells whose
// value changed are touched; the filter box and the "show" menu only toggle `hidden`.
// Markup (operator.html): #wall-body (the rows' container), #wall-filter, #wall-show, #wall-count, #wall-shown,
// #wall-empty.

import { t, onLangChange } from './i18n.js';
import { KeyedList, setText, setFlag } from './listsync.js';
import { i18nButton, busyClick } from './buttons.js';
import { wallSites, floorOf } from './eventdata.js';
import { fold, byCode } from './fmt.js';

const $ = (id) => document.getElementById(id);

function el(tag, className, parent) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (parent) parent.append(e);
  return e;
}

// A row is a grid of cells (not a <tr>): rows off screen skip layout (content-visibility).
function createRow(s) {
  const row = el('div', 'wall-row');
  row.setAttribute('role', 'row');
  row.dataset.site = s.site;
  const cell = (className) => {
    const c = el('span', `c ${className}`, row);
    c.setAttribute('role', 'cell');
    return c;
  };
  const nameCell = cell('w-name');
  const dot = el('span', 'dot', nameCell);
  const name = el('b', '', nameCell);
  const code = el('small', '', nameCell);
  const district = cell('w-district');
  const bar = el('span', 'level', cell('w-level'));
  const fill = el('i', '', bar);
  const video = cell('w-video');
  const rate = cell('w-num');
  const loss = cell('w-num w-loss');
  const rtt = cell('w-num w-rtt');
  const flags = cell('w-flags');
  const hand = el('span', 'badge badge-hand', flags);
  const floor = el('span', 'badge badge-floor', flags);
  hand.textContent = t('wall.hand');
  floor.textContent = t('wall.floor');
  const act = cell('w-act');
  const give = i18nButton('floor.give', 'small');
  const take = i18nButton('wall.mute', 'small');
  const kick = i18nButton('wall.kick', 'small danger');
  give.dataset.act = 'give';
  take.dataset.act = 'take';
  kick.dataset.act = 'kick';
  act.append(give, take, kick);
  return { el: row, dot, name, code, district, fill, video, rate, loss, rtt, hand, floor, give, take, kick, prev: {}, haystack: '' };
}

export function mountWall({ actions }) {
  const body = $('wall-body');
  const filterInput = $('wall-filter');
  const showSelect = $('wall-show');
  let sites = []; // sorted by code
  let byId = new Map();
  let floorSeen = false;
  let holders = new Set();
  let queue = new Set();
  let needle = '';
  let show = 'all';

  const state = (s) => ({
    connected: s.connected === true,
    floor: floorSeen ? holders.has(s.site) : s.floor === true,
    hand: floorSeen ? queue.has(s.site) : s.hand === true,
  });

  const matches = (node, st) => {
    if (needle && !node.haystack.includes(needle)) return false;
    switch (show) {
      case 'connected': return st.connected;
      case 'disconnected': return !st.connected;
      case 'hand': return st.hand;
      case 'floor': return st.floor;
      default: return true;
    }
  };

  const syncButtons = (node, st) => {
    if (!node.give.dataset.busy) node.give.disabled = !st.connected || st.floor;
    if (!node.take.dataset.busy) node.take.disabled = !st.floor;
    if (!node.kick.dataset.busy) node.kick.disabled = !st.connected;
  };

  const update = (node, s) => {
    const p = node.prev;
    const st = state(s);
    if (!('name' in p) || p.name !== s.name || p.district !== s.district) {
      setText(node.name, s.name || s.site);
      setText(node.code, s.name && s.name !== s.site ? s.site : '');
      setText(node.district, s.district || '');
      node.haystack = fold(`${s.name || ''} ${s.site} ${s.district || ''}`);
      node.el.title = s.name ? `${s.name} (${s.site})` : s.site;
    }
    if (p.connected !== st.connected) setFlag(node.el, 'connected', st.connected);
    const level = st.connected ? Math.max(0, Math.min(127, Number(s.audio_level) || 0)) : 0;
    if (p.level !== level) node.fill.style.transform = `scaleX(${(level / 127).toFixed(3)})`;
    const video = st.connected && s.video === true;
    if (p.video !== video) {
      setFlag(node.el, 'video', video);
      setText(node.video, video ? '●' : '–');
    }
    const rate = st.connected && Number.isFinite(s.bitrate_kbps) ? Math.round(s.bitrate_kbps) : null;
    if (p.rate !== rate) setText(node.rate, rate === null ? '' : String(rate));
    const loss = st.connected && Number.isFinite(s.loss_pct) ? s.loss_pct : null;
    if (p.loss !== loss) {
      setText(node.loss, loss === null ? '' : `${loss < 10 ? loss.toFixed(1) : Math.round(loss)}%`);
      setFlag(node.loss, 'bad', loss !== null && loss >= 5);
    }
    const rtt = st.connected && Number(s.rtt_ms) > 0 ? Math.round(s.rtt_ms) : null;
    if (p.rtt !== rtt) setText(node.rtt, rtt === null ? '' : String(rtt));
    if (p.hand !== st.hand) setFlag(node.el, 'hand', st.hand);
    if (p.floor !== st.floor) setFlag(node.el, 'floor', st.floor);
    syncButtons(node, st);
    const hidden = !matches(node, st);
    if (node.el.hidden !== hidden) node.el.hidden = hidden;
    node.prev = { name: s.name, district: s.district, connected: st.connected, level, video, rate, loss, rtt, hand: st.hand, floor: st.floor };
  };

  const list = new KeyedList(body, { key: (s) => s.site, create: createRow, update });

  const labels = () => {
    list.forEach((node) => {
      setText(node.hand, t('wall.hand'));
      setText(node.floor, t('wall.floor'));
    });
  };

  const counts = () => {
    const connected = sites.reduce((n, s) => n + (s.connected === true ? 1 : 0), 0);
    setText($('wall-count'), t('wall.connected', { n: connected, total: sites.length }));
    let shown = 0;
    list.forEach((node) => {
      if (!node.el.hidden) shown += 1;
    });
    setText($('wall-shown'), shown !== sites.length ? t('wall.shown', { n: shown }) : '');
    $('wall-empty').hidden = sites.length > 0;
  };

  const refresh = () => {
    for (const s of sites) update(list.get(s.site), s);
    counts();
  };

  // One listener for the 1,700 buttons.
  body.addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-act]');
    if (!btn || btn.disabled) return;
    const site = btn.closest('.wall-row').dataset.site;
    const s = byId.get(site) || { site };
    const fn = { give: actions.give, take: actions.take, kick: actions.kick }[btn.dataset.act];
    busyClick(btn, () => fn(site, s), () => {
      const node = list.get(site);
      if (node) syncButtons(node, state(byId.get(site) || s));
    });
  });
  filterInput?.addEventListener('input', () => {
    needle = fold(filterInput.value.trim());
    refresh();
  });
  showSelect?.addEventListener('change', () => {
    show = showSelect.value;
    refresh();
  });
  onLangChange(() => {
    labels();
    counts();
  });
  counts();

  return {
    update(data) {
      const fresh = wallSites(data).slice().sort(byCode);
      sites = fresh;
      byId = new Map(fresh.map((s) => [s.site, s]));
      list.sync(fresh);
      counts();
    },
    setFloor(data) {
      const f = floorOf(data);
      floorSeen = true;
      holders = new Set(f.holders.map((h) => h.site));
      if (f.hasQueue) queue = new Set(f.queue.map((h) => h.site));
      refresh();
    },
    // A new connection: until its first `floor` event, the wall's own hand/floor flags count.
    forgetFloor() {
      floorSeen = false;
      refresh();
    },
    get sites() {
      return sites;
    },
    site(code) {
      return byId.get(code) || null;
    },
  };
}
