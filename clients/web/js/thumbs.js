// The operator's picture wall: the sites of the current wall page (48, 8 x 6) as small video tiles,
// in site-code order. A tile shows the site's video when the hub sends it (a source with role site,
// kind video and that site code), else the site's initials; data-connected / data-hand /
// data-floor mark its state from the `wall` list.

import { t } from './i18n.js';
import { TileSet } from './ui.js';
import { setFlag } from './listsync.js';

export const PAGE_SIZE = 48;

export function mountThumbs(container, empty) {
  const tiles = new TileSet(container, { empty });

  return {
    // wall: the sorted `wall` list (or null); sources: the subscriber's sources;
    // trackForMid(mid) -> track. Returns [{ key, mid }] of the videos shown (for keyframe requests).
    render({ wall, page, size = PAGE_SIZE, sources, trackForMid }) {
      const videoBySite = new Map();
      for (const s of sources || []) {
        if (s && s.role === 'site' && s.kind === 'video' && s.site && !videoBySite.has(s.site)) videoBySite.set(s.site, s);
      }
      const list =
        wall && wall.length
          ? wall.slice(page * size, page * size + size)
          : [...videoBySite.values()].slice(0, size).map((s) => ({ site: s.site, name: s.name, connected: true }));
      const entries = list.map((w) => {
        const src = videoBySite.get(w.site);
        return {
          key: w.site,
          info: { name: w.name || w.site, site: w.site, role: '' },
          tracks: src ? [trackForMid(String(src.mid))] : [],
          w,
          mid: src ? String(src.mid) : null,
        };
      });
      tiles.sync(entries);
      for (const e of entries) {
        const el = tiles.elOf(e.key);
        if (!el) continue;
        setFlag(el, 'connected', e.w.connected === true);
        setFlag(el, 'hand', e.w.hand === true);
        setFlag(el, 'floor', e.w.floor === true);
        // Instead of initials (alike for "Điểm cầu 001…"): why there is no picture.
        const ph = el.querySelector('.tile-placeholder');
        if (ph) ph.textContent = t(e.w.connected === true ? 'wall.thumb.novideo' : 'wall.thumb.offline');
      }
      return entries.filter((e) => e.mid).map((e) => ({ key: e.key, mid: e.mid }));
    },
    videoOf(key) {
      return tiles.videoOf(key);
    },
    clear() {
      tiles.sync([]);
    },
  };
}
