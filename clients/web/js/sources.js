// The subscriber offer's sources (one per m-section) grouped by sender: one entry per peer with the
// receiving tracks of its m-sections, ready for TileSet.sync().

export function groupSources(sources, { own = null } = {}) {
  const groups = new Map();
  for (const s of sources || []) {
    if (!s || (own && s.peer === own)) continue;
    const key = s.peer || `mid-${s.mid}`;
    if (!groups.has(key)) {
      groups.set(key, { key, info: { peer: s.peer, name: s.name, role: s.role, site: s.site }, mids: [] });
    }
    groups.get(key).mids.push(s);
  }
  return [...groups.values()];
}

// trackForMid: (mid) -> MediaStreamTrack | null. kinds: which kinds to attach ('audio', 'video').
export function tileEntries(sources, trackForMid, { own = null, kinds = ['audio', 'video'] } = {}) {
  return groupSources(sources, { own }).map((g) => {
    const mids = g.mids.filter((s) => kinds.includes(s.kind));
    return {
      key: g.key,
      info: g.info,
      tracks: mids.map((s) => trackForMid(String(s.mid))),
      videoMids: mids.filter((s) => s.kind === 'video').map((s) => String(s.mid)),
    };
  });
}
