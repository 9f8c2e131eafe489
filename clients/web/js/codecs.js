// Video codec preference for a transceiver (setCodecPreferences): the wanted codec first, the
// browser's other codecs after it so that the hub can still fall back.

function fmtp(codec) {
  const out = {};
  for (const part of (codec.sdpFmtpLine || '').split(';')) {
    const [k, v] = part.split('=');
    if (k) out[k.trim().toLowerCase()] = (v || '').trim().toLowerCase();
  }
  return out;
}

// Lower rank = earlier in the offer.
function h264Rank(codec) {
  const f = fmtp(codec);
  const plid = f['profile-level-id'] || '';
  const pm1 = f['packetization-mode'] === '1';
  if (pm1 && plid === '42e01f') return 0; // constrained baseline 3.1, the hub's choice
  if (pm1 && plid.startsWith('42e0')) return 1; // other constrained baseline levels
  if (pm1) return 2;
  return 3;
}

function capabilities(direction) {
  const source = direction === 'recvonly' ? RTCRtpReceiver : RTCRtpSender;
  const caps = source.getCapabilities ? source.getCapabilities('video') : null;
  return caps ? caps.codecs : [];
}

// name: 'h264' | 'vp8'. Returns true when the preference was applied.
export function preferVideoCodec(transceiver, name) {
  if (!name || typeof transceiver.setCodecPreferences !== 'function') return false;
  const codecs = capabilities(transceiver.direction);
  const mime = name === 'h264' ? 'video/h264' : 'video/vp8';
  const wanted = codecs.filter((c) => c.mimeType.toLowerCase() === mime);
  if (!wanted.length) return false;
  if (name === 'h264') wanted.sort((a, b) => h264Rank(a) - h264Rank(b));
  const rest = codecs.filter((c) => c.mimeType.toLowerCase() !== mime);
  transceiver.setCodecPreferences([...wanted, ...rest]);
  return true;
}
