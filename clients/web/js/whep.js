// whep.html: watch the meeting's program (the chair) with WHEP (one POST, DELETE to stop).

import { wantedCodec } from './params.js';
import { preferVideoCodec } from './codecs.js';
import { gatheringDone, postOffer, deleteResource, endpoint } from './httpsdp.js';
import { collectStats } from './stats.js';
import { setStatus, setConn, playVideo } from './ui.js';
import { setupHttpPage } from './httppage.js';

let pc = null;
let session = null; // { location, token }

async function start({ meeting, token, base, params, dh }) {
  const video = document.getElementById('player');
  const program = new MediaStream();
  video.srcObject = program;

  pc = new RTCPeerConnection();
  pc.addEventListener('connectionstatechange', () => setConn('pc', pc ? pc.connectionState : 'closed'));
  pc.addEventListener('track', (ev) => {
    if (!program.getTrackById(ev.track.id)) program.addTrack(ev.track);
    video.srcObject = program; // re-attach so the element picks up the new track
    playVideo(video);
  });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const vt = pc.addTransceiver('video', { direction: 'recvonly' });
  const codec = wantedCodec(params);
  if (codec) preferVideoCodec(vt, codec);
  dh.setStatsProvider(() => collectStats({ inboundPcs: [pc] }));
  setConn('pc', 'connecting');

  await pc.setLocalDescription(await pc.createOffer());
  setStatus('status.gathering');
  await gatheringDone(pc, 2000);
  setStatus('status.whep.sending');
  const { answer, location } = await postOffer(endpoint(base, 'whep', meeting), token, pc.localDescription.sdp);
  session = { location, token };
  dh.location = location;
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  dh.setState('joined');
  setStatus('status.whep.live', {}, 'ok');
}

async function stop({ unloading = false } = {}) {
  const s = session;
  session = null;
  if (pc) pc.close();
  pc = null;
  const video = document.getElementById('player');
  video.srcObject = null;
  if (s && s.location) {
    if (unloading) {
      fetch(s.location, { method: 'DELETE', headers: { Authorization: `Bearer ${s.token}` }, keepalive: true }).catch(() => {});
    } else {
      await deleteResource(s.location, s.token);
    }
  }
}

setupHttpPage('whep', { start, stop });
