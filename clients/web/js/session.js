// A page's stay in a meeting, across websocket drops: connect + join (+ publish), and when the socket
// closes unexpectedly, close both peer connections and do it all again with the same token
// (reconnect.js says when). The subscriber offers of the new connection are accepted as usual.
//
// Events (EventTarget, CustomEvent.detail):
//  'sources' 'pcstate' 'transport' 'error'  forwarded from the current Meeting (meeting.js)
//  'down'    { code, reason, delayMs, attempt }   the socket dropped; the next try is in delayMs
//  'retry'   { attempt, error }                   a try failed (not for good); another is scheduled
//  'joined'  { info }                             every successful join (first and later)
//  'up'      { info, reconnects, published }      joined again (and published again when we were)
//  'ended'   { code, reason }                     over for good: 'kicked', 'replaced' or a join error
//  'socket'  { state }                            'connecting' | 'open' | 'closed'
// Hub events (floor, speaker, ...) are subscribed with on(); the handlers survive reconnects.

import { Signal, SignalError } from './signal.js';
import { Meeting } from './meeting.js';
import { Backoff, isFinalError, closeEnds, CLOSE_KICKED } from './reconnect.js';

const FORWARDED = ['sources', 'pcstate', 'transport', 'error'];

export class Session extends EventTarget {
  constructor({ url, token, name = '', meeting = '', codec = null, simulcast = false }) {
    super();
    this.url = url;
    this.token = token;
    this.name = name;
    this.meetingId = meeting;
    this.codec = codec;
    this.simulcast = simulcast;
    this.handlers = new Map(); // hub event -> Set(fn)
    this.signal = null;
    this.meeting = null; // the current Meeting
    this.info = null; // the latest join result
    this.stream = null; // what we publish (again after a reconnect)
    this.established = false; // joined once: from then on a drop means reconnect
    this.reconnecting = false; // a try is in progress
    this.left = false;
    this.ended = null; // { code, reason } once over for good
    this.kickedReason = null;
    this.reconnects = 0;
    this.backoff = new Backoff();
    this.timer = null;
    this.gen = 0;
  }

  emit(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }

  on(event, fn) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event).add(fn);
    const off = this.signal ? this.signal.on(event, fn) : null;
    return () => {
      this.handlers.get(event).delete(fn);
      if (off) off();
    };
  }

  get isOpen() {
    return !!this.signal && this.signal.isOpen;
  }

  // A request on the current connection; rejects with SignalError('ws_closed') between connections.
  request(type, fields = {}, opts = {}) {
    if (!this.signal) return Promise.reject(new SignalError('ws_closed', 'not connected', { type }));
    return this.signal.request(type, fields, opts);
  }

  // First connect + join. Throws the SignalError (ws_connect, unauthorized, ...) on failure.
  async open() {
    return this.connectOnce();
  }

  async connectOnce() {
    const gen = ++this.gen;
    const signal = new Signal(this.url);
    for (const [event, fns] of this.handlers) for (const fn of fns) signal.on(event, fn);
    signal.on('kicked', (d) => {
      this.kickedReason = d && typeof d.reason === 'string' ? d.reason : '';
    });
    signal.on('close', (ev) => this.onClose(gen, ev));
    signal.on('protocol_error', (e) => this.emit('error', { code: e.code || 'internal', message: e.message || '', where: 'ws' }));
    this.signal = signal;
    this.emit('socket', { state: 'connecting' });
    await signal.connect();
    this.emit('socket', { state: 'open' });

    const meeting = new Meeting(signal);
    for (const name of FORWARDED) {
      meeting.addEventListener(name, (ev) => {
        if (meeting === this.meeting) this.emit(name, ev.detail);
      });
    }
    this.meeting = meeting;
    try {
      this.info = await meeting.join({ token: this.token, name: this.name, meeting: this.meetingId || undefined });
    } catch (e) {
      meeting.close();
      throw e;
    }
    this.established = true;
    this.emit('joined', { info: this.info });
    return this.info;
  }

  // Publishes the stream now and after every reconnect. While the socket is down it only remembers
  // the stream (the rejoin publishes it) and resolves with { deferred: true }.
  async publish(stream) {
    this.stream = stream;
    if (!this.meeting || !this.isOpen) return { deferred: true, codecApplied: true };
    try {
      return await this.meeting.publish(stream, { codec: this.codec, simulcast: this.simulcast });
    } catch (e) {
      if (e && e.code === 'ws_closed' && !this.ended) return { deferred: true, codecApplied: true };
      throw e;
    }
  }

  onClose(gen, ev) {
    if (gen !== this.gen) return; // an older connection
    this.emit('socket', { state: 'closed' });
    if (ev.expected || this.left || this.ended) return;
    this.closeMeeting();
    if (this.kickedReason !== null || ev.code === CLOSE_KICKED) {
      this.end('kicked', this.kickedReason || ev.reason || '');
      return;
    }
    if (closeEnds(ev.code)) {
      this.end('replaced', ev.reason || '');
      return;
    }
    // Before the first join the caller sees open() fail; during a try, the try itself reschedules.
    if (!this.established || this.reconnecting) return;
    this.schedule(ev.code, ev.reason);
  }

  schedule(code = 0, reason = '') {
    clearTimeout(this.timer);
    const delayMs = this.backoff.next();
    this.emit('down', { code, reason, delayMs, attempt: this.backoff.attempt });
    this.timer = setTimeout(() => this.attempt(), delayMs);
  }

  async attempt() {
    this.timer = null;
    if (this.left || this.ended) return;
    this.reconnecting = true;
    let info;
    try {
      info = await this.connectOnce();
    } catch (e) {
      this.reconnecting = false;
      this.closeMeeting();
      if (this.left || this.ended) return;
      if (e && isFinalError(e.code)) {
        this.end(e.code, e.message || '');
        return;
      }
      this.emit('retry', { attempt: this.backoff.attempt, error: e });
      this.schedule(e && e.closeCode ? e.closeCode : 0, e && e.message ? e.message : '');
      return;
    }
    let published = false;
    if (this.stream) {
      try {
        await this.meeting.publish(this.stream, { codec: this.codec, simulcast: this.simulcast });
        published = true;
      } catch (e) {
        if (!this.isOpen) {
          // Dropped again while publishing: try again later.
          this.reconnecting = false;
          this.closeMeeting();
          if (!this.left && !this.ended) this.schedule(0, e.message || '');
          return;
        }
        this.emit('error', { code: e.code || 'webrtc', message: e.message || String(e), where: 'publish' });
      }
    }
    this.reconnecting = false;
    this.reconnects += 1;
    this.backoff.reset();
    this.emit('up', { info, reconnects: this.reconnects, published });
  }

  closeMeeting() {
    if (this.meeting) this.meeting.close();
    this.meeting = null;
  }

  end(code, reason) {
    clearTimeout(this.timer);
    this.timer = null;
    this.ended = { code, reason };
    this.closeMeeting();
    this.emit('ended', { code, reason });
  }

  // Cuts the websocket as a network failure would (tests of reconnection).
  drop() {
    if (this.signal) this.signal.drop();
  }

  async leave() {
    this.left = true;
    clearTimeout(this.timer);
    this.timer = null;
    const m = this.meeting;
    this.meeting = null;
    if (m) await m.leave();
    else if (this.signal) this.signal.close();
  }
}
