// Flattens getStats() of peer connections into the shape the tests read:
// { inbound: [{ mid, kind, peer, role, site, codec, framesDecoded, packetsReceived, bytesReceived }],
//   outbound: [{ kind, codec, packetsSent, framesEncoded }] }

function codecName(report, codecId) {
  const c = codecId ? report.get(codecId) : null;
  if (!c || !c.mimeType) return '';
  const slash = c.mimeType.indexOf('/');
  return slash >= 0 ? c.mimeType.slice(slash + 1) : c.mimeType;
}

// inbound-rtp carries `mid` in current browsers; older ones only the track id.
function midOf(pc, s) {
  if (s.mid !== undefined && s.mid !== null) return String(s.mid);
  if (!s.trackIdentifier) return '';
  const tr = pc.getTransceivers().find((t) => t.receiver && t.receiver.track && t.receiver.track.id === s.trackIdentifier);
  return tr && tr.mid !== null ? tr.mid : '';
}

function kindOf(s) {
  return s.kind || s.mediaType || '';
}

// inboundPcs / outboundPcs: arrays of RTCPeerConnection (nulls skipped).
// sourceByMid: (mid) -> { peer, role, site, name } | undefined
export async function collectStats({ inboundPcs = [], outboundPcs = [], sourceByMid = () => undefined } = {}) {
  const inbound = [];
  const outbound = [];
  for (const pc of inboundPcs) {
    if (!pc || pc.connectionState === 'closed') continue;
    const report = await pc.getStats();
    report.forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      const mid = midOf(pc, s);
      const src = sourceByMid(mid) || {};
      inbound.push({
        mid,
        kind: kindOf(s),
        peer: src.peer || '',
        role: src.role || '',
        site: src.site || '',
        name: src.name || '',
        codec: codecName(report, s.codecId),
        framesDecoded: s.framesDecoded || 0,
        packetsReceived: s.packetsReceived || 0,
        bytesReceived: s.bytesReceived || 0,
        packetsLost: s.packetsLost || 0,
        frameWidth: s.frameWidth || 0,
        frameHeight: s.frameHeight || 0,
        freezeCount: s.freezeCount || 0,
        totalFreezesDuration: s.totalFreezesDuration || 0,
      });
    });
  }
  for (const pc of outboundPcs) {
    if (!pc || pc.connectionState === 'closed') continue;
    const report = await pc.getStats();
    report.forEach((s) => {
      if (s.type !== 'outbound-rtp') return;
      outbound.push({
        mid: s.mid !== undefined && s.mid !== null ? String(s.mid) : '',
        kind: kindOf(s),
        codec: codecName(report, s.codecId),
        packetsSent: s.packetsSent || 0,
        bytesSent: s.bytesSent || 0,
        framesEncoded: s.framesEncoded || 0,
        frameWidth: s.frameWidth || 0,
        frameHeight: s.frameHeight || 0,
      });
    });
  }
  return { inbound, outbound };
}
