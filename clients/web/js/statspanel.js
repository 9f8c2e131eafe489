// A small live table of dh.stats() for the WHIP/WHEP pages, refreshed every 2 s while shown.

import { t, onLangChange } from './i18n.js';

function row(cells, tag = 'td') {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const el = document.createElement(tag);
    el.textContent = c;
    tr.append(el);
  }
  return tr;
}

export function mountStatsPanel(table, getStats) {
  if (!table) return () => {};
  let last = null;
  const render = () => {
    table.replaceChildren();
    const rows = last ? [...last.inbound.map((s) => ({ dir: '↓', ...s })), ...last.outbound.map((s) => ({ dir: '↑', ...s }))] : [];
    if (!rows.length) {
      const tr = row([t('stats.none')]);
      tr.firstChild.colSpan = 6;
      table.append(tr);
      return;
    }
    table.append(row(['', t('stats.kind'), t('stats.codec'), t('stats.packets'), t('stats.frames'), t('stats.size')], 'th'));
    for (const s of rows) {
      const packets = s.dir === '↓' ? s.packetsReceived : s.packetsSent;
      const frames = s.dir === '↓' ? s.framesDecoded : s.framesEncoded;
      const size = s.frameWidth ? `${s.frameWidth}×${s.frameHeight}` : '';
      table.append(row([s.dir, s.kind, s.codec, String(packets), s.kind === 'video' ? String(frames) : '', size]));
    }
  };
  const tick = async () => {
    last = await getStats();
    render();
  };
  render();
  onLangChange(render);
  const timer = setInterval(tick, 2000);
  return () => clearInterval(timer);
}
