// Reading the meeting events' data (docs/protocol.md, "Events of the meeting") defensively: a list
// may come bare or inside an object, fields may be missing.

function listIn(data, keys) {
  if (Array.isArray(data)) return data;
  if (data && typeof data === 'object') {
    for (const k of keys) if (Array.isArray(data[k])) return data[k];
  }
  return [];
}

// `wall` event: every invited site.
export function wallSites(data) {
  return listIn(data, ['sites', 'wall', 'rows']).filter((s) => s && typeof s.site === 'string');
}

// `roll` event or `roll` reply: the attendance rows.
export function rollRows(data) {
  return listIn(data, ['rows', 'roll']).filter((r) => r && typeof r.site === 'string');
}

// `floor` event: { holders, queue, hand, position } with lists always present.
export function floorOf(data) {
  const d = data && typeof data === 'object' ? data : {};
  const entries = (x) => (Array.isArray(x) ? x.filter((e) => e && typeof e.site === 'string') : []);
  return {
    holders: entries(d.holders),
    queue: entries(d.queue),
    hasQueue: Array.isArray(d.queue),
    hand: d.hand === true,
    position: typeof d.position === 'number' ? d.position : 0,
  };
}

// `speaker` event: the speaker or null.
export function speakerOf(data) {
  return data && typeof data === 'object' && (data.peer || data.site) ? data : null;
}

// Until the first `floor` event, the holders and raised hands as the `wall` list has them (code
// order: the order of the queue is not in the wall).
export function floorFromWall(sites) {
  const pick = (flag) => sites.filter((s) => s[flag] === true).map((s) => ({ site: s.site, name: s.name || s.site }));
  return { holders: pick('floor'), queue: pick('hand') };
}
