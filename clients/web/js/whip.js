// whip.html: publish camera and microphone with WHIP (one POST, DELETE to stop).

import { parseResolution, wantedCodec } from './params.js';
import { preferVideoCodec } from './codecs.js';
import { openLocalMedia, stopStream } from './media.js';
import { gatheringDone, postOffer, deleteResource, endpoint } from './httpsdp.js';
import { collectStats } from './stats.js';
import { setStatus, setConn, playVideo, setNotice } from './ui.js';
import { setupHttpPage } from './httppage.js';

let pc = null;
let stream = null;
let session = null; // { location, token }

async function start({ meeting, token, base, params, dh }) {
  setStatus('status.media');
  const media = await openLocalMedia(parseResolution(params.get('res')));
  if (!media.stream) {
    const e = new Error(media.error || 'no camera or microphone');
    e.code = 'media';
    throw e;
  }
  stream = media.stream;
  if (media.missing.length) {
    setNotice('room.recvonly.partial', { what: media.missing.includes('video') ? 'audio' : 'video', reason: media.error });
  }
  const preview = document.getElementById('preview');
  preview.srcObject = stream;
  playVideo(preview, { remote: false });

  pc = new RTCPeerConnection();
  pc.addEventListener('connectionstatechange', () => setConn('pc', pc ? pc.connectionState : 'closed'));
  const codec = wantedCodec(params);
  for (const track of [...stream.getAudioTracks(), ...stream.getVideoTracks()]) {
    const tr = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    if (track.kind === 'video' && codec && !preferVideoCodec(tr, codec)) {
      dh.pushError({ code: 'codec_unavailable', message: codec, where: 'publish' });
    }
  }
  dh.setStatsProvider(() => collectStats({ outboundPcs: [pc] }));
  setConn('pc', 'connecting');

  await pc.setLocalDescription(await pc.createOffer());
  setStatus('status.gathering');
  await gatheringDone(pc, 2000);
  setStatus('status.whip.sending');
  const { answer, location } = await postOffer(endpoint(base, 'whip', meeting), token, pc.localDescription.sdp);
  session = { location, token };
  dh.location = location;
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  dh.setState('publishing');
  setStatus('status.whip.live', {}, 'ok');
}

async function stop({ unloading = false } = {}) {
  const s = session;
  session = null;
  if (pc) pc.close();
  pc = null;
  stopStream(stream);
  stream = null;
  if (s && s.location) {
    if (unloading) {
      fetch(s.location, { method: 'DELETE', headers: { Authorization: `Bearer ${s.token}` }, keepalive: true }).catch(() => {});
    } else {
      await deleteResource(s.location, s.token);
    }
  }
}

setupHttpPage('whip', { start, stop });
