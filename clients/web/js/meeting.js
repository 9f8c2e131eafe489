// The two peer connections of a meeting page, driven over a Signal:
//  - publisher: our offer (send-only transceivers) -> `publish` -> hub's answer;
//  - subscriber: hub's `subscriber_offer` events -> our answer -> `answer` with the revision.
// Events (EventTarget, CustomEvent.detail):
//  'sources'   { sources, revision }   after an offer was applied (tracks are ready by mid)
//  'pcstate'   { target, state }       a local peer connection's connectionState
//  'transport' { target, state, reason } the hub's view of a transport
//  'error'     { code, message, where } anything that went wrong (non-fatal unless the caller says)

import { preferVideoCodec } from './codecs.js';

const PUBLISHING_ROLES = new Set(['chair', 'operator', 'site']);

export function canPublish(role) {
  return PUBLISHING_ROLES.has(role);
}

// Sends ICE candidates with `trickle`; holds them until the description they belong to is sent.
class Trickler {
  constructor(meeting, target) {
    this.meeting = meeting;
    this.target = target;
    this.ready = false;
    this.queue = [];
  }

  add(candidate) {
    const payload = candidate
      ? { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex }
      : null;
    if (this.ready) this.send(payload);
    else this.queue.push(payload);
  }

  open() {
    this.ready = true;
    const q = this.queue;
    this.queue = [];
    for (const c of q) this.send(c);
  }

  send(candidate) {
    this.meeting.signal
      .request('trickle', { target: this.target, candidate })
      .catch((e) => this.meeting.fail(e, 'trickle'));
  }
}

// Simulcast layers, lowest first (the hub reads the a=rid order as low to high). Chromium sends at
// most as many layers as the picture size allows (2 from 360 lines, 3 from 540) and drops the top
// ones beyond that, so the list is sized to the camera: a quarter, a half and the full picture from
// 540 lines, a half and the full picture from 360, one stream below (nothing to gain from layers).
// The rids are Chromium's usual q/h/f.
export function simulcastEncodings(track) {
  const h = (track.getSettings && track.getSettings().height) || 0;
  const full = { rid: 'f', maxBitrate: 1_200_000 };
  const half = { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 200_000 };
  if (h >= 540) return [{ rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 100_000 }, half, full];
  if (h >= 360) return [half, full];
  return null;
}

export class Meeting extends EventTarget {
  constructor(signal) {
    super();
    this.signal = signal;
    this.info = null; // join result: { peer, meeting, role, site, video_codec }
    this.publisher = null;
    this.subscriber = null;
    this.sources = [];
    this.revision = -1;
    this.pendingOffer = null;
    this.applying = false;
    this.pubTrickle = null;
    this.subTrickle = null;
    this.unsubs = [
      signal.on('subscriber_offer', (d) => this.onOffer(d)),
      signal.on('transport', (d) => this.onTransport(d)),
      signal.on('trickle', (d) => this.onRemoteCandidate(d)),
    ];
    this.remoteCandidates = { publisher: [], subscriber: [] };
  }

  emit(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }

  fail(err, where) {
    const code = err && err.code ? err.code : 'webrtc';
    const message = err && err.message ? err.message : String(err);
    this.emit('error', { code, message, where });
  }

  async join({ token, name, meeting }) {
    const fields = { token };
    if (meeting) fields.meeting = meeting;
    if (name) fields.name = name.slice(0, 80);
    this.info = await this.signal.request('join', fields);
    return this.info;
  }

  newPc(target) {
    const pc = new RTCPeerConnection();
    const trickle = new Trickler(this, target);
    pc.addEventListener('icecandidate', (ev) => trickle.add(ev.candidate));
    pc.addEventListener('connectionstatechange', () => {
      this.emit('pcstate', { target, state: pc.connectionState });
    });
    return { pc, trickle };
  }

  // Publishes every track of the stream on send-only transceivers. codec: 'h264' | 'vp8' | null.
  // simulcast: the video goes as layers (simulcastEncodings) the hub picks from per viewer.
  // Returns { codecApplied } (false when the wanted codec is not available in this browser).
  async publish(stream, { codec = null, simulcast = false } = {}) {
    if (this.publisher) throw new Error('already publishing');
    const { pc, trickle } = this.newPc('publisher');
    this.publisher = pc;
    this.pubTrickle = trickle;
    let codecApplied = !codec;
    // Audio first, then video: a stable m-section order.
    const tracks = [...stream.getAudioTracks(), ...stream.getVideoTracks()];
    for (const track of tracks) {
      const init = { direction: 'sendonly', streams: [stream] };
      const layers = track.kind === 'video' && simulcast ? simulcastEncodings(track) : null;
      if (layers) init.sendEncodings = layers;
      const tr = pc.addTransceiver(track, init);
      if (track.kind === 'video' && codec) {
        try {
          codecApplied = preferVideoCodec(tr, codec);
        } catch (e) {
          codecApplied = false;
          console.warn('setCodecPreferences failed', e);
        }
      }
    }
    try {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      const result = await this.signal.request('publish', { sdp: pc.localDescription.sdp });
      await pc.setRemoteDescription({ type: 'answer', sdp: result.sdp });
      this.flushRemoteCandidates('publisher');
    } catch (e) {
      pc.close();
      this.publisher = null;
      this.pubTrickle = null;
      throw e;
    }
    trickle.open();
    return { codecApplied };
  }

  async unpublish() {
    if (!this.publisher) return;
    const pc = this.publisher;
    this.publisher = null;
    pc.close();
    await this.signal.request('unpublish');
  }

  onOffer(data) {
    if (!data || typeof data.sdp !== 'string') return;
    this.pendingOffer = data;
    if (!this.applying) this.drainOffers();
  }

  async drainOffers() {
    this.applying = true;
    while (this.pendingOffer) {
      const offer = this.pendingOffer;
      this.pendingOffer = null;
      // An offer overtaken by a newer one is skipped: the hub ignores answers to old revisions.
      if (typeof offer.revision === 'number' && offer.revision <= this.revision) continue;
      try {
        await this.applyOffer(offer);
      } catch (e) {
        this.fail(e, 'subscriber');
      }
    }
    this.applying = false;
  }

  async applyOffer({ revision, sdp, sources }) {
    if (!this.subscriber) {
      const { pc, trickle } = this.newPc('subscriber');
      this.subscriber = pc;
      this.subTrickle = trickle;
    }
    const pc = this.subscriber;
    await pc.setRemoteDescription({ type: 'offer', sdp });
    this.flushRemoteCandidates('subscriber');
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    this.revision = typeof revision === 'number' ? revision : this.revision + 1;
    this.sources = Array.isArray(sources) ? sources : [];
    this.emit('sources', { sources: this.sources, revision: this.revision });
    const reply = this.signal.request('answer', { revision, sdp: pc.localDescription.sdp });
    this.subTrickle.open();
    await reply;
  }

  // The hub's candidates (also in its SDP: the hub is ICE-lite). A candidate that arrives before
  // the description it belongs to waits for it.
  onRemoteCandidate(data) {
    const target = data && data.target === 'subscriber' ? 'subscriber' : 'publisher';
    this.remoteCandidates[target].push(data ? data.candidate : null);
    this.flushRemoteCandidates(target);
  }

  flushRemoteCandidates(target) {
    const pc = target === 'subscriber' ? this.subscriber : this.publisher;
    if (!pc || !pc.remoteDescription) return;
    for (const c of this.remoteCandidates[target].splice(0)) {
      pc.addIceCandidate(c || null).catch(() => { /* duplicates of the SDP's candidates are fine */ });
    }
  }

  onTransport(data) {
    this.emit('transport', data || {});
  }

  // The receiving track of an m-section of the subscriber connection.
  trackForMid(mid) {
    if (!this.subscriber) return null;
    const tr = this.subscriber.getTransceivers().find((t) => t.mid === mid);
    return tr && tr.receiver ? tr.receiver.track : null;
  }

  keyframe(mid) {
    return this.signal.request('keyframe', { mid });
  }

  async leave() {
    try {
      if (this.signal.isOpen) await this.signal.request('leave', {}, { timeoutMs: 3000 });
    } catch {
      /* leaving anyway */
    }
    this.close();
  }

  close() {
    for (const u of this.unsubs) u();
    this.unsubs = [];
    if (this.publisher) this.publisher.close();
    if (this.subscriber) this.subscriber.close();
    this.publisher = null;
    this.subscriber = null;
    this.signal.close();
  }
}
