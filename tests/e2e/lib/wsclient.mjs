// A protocol-level client for the hub's websocket (/ws, subprotocol dienhong.v1), built on `ws`.
// It records every frame, matches replies to requests by id, and checks "exactly one reply per id".
import WebSocket from 'ws';
import { withTimeout } from './artifacts.mjs';

export const SUBPROTOCOL = 'dienhong.v1';

export class HubSocket {
  /** Open a websocket to hub.wsUrl and wait until it is open (or throw). */
  static async connect(hub, { timeoutMs = 5_000, protocol = SUBPROTOCOL } = {}) {
    const ws = new WebSocket(hub.wsUrl, protocol, { handshakeTimeout: timeoutMs, maxPayload: 4 << 20 });
    const client = new HubSocket(ws);
    await withTimeout(new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`websocket upgrade answered HTTP ${res.statusCode}`)));
    }), timeoutMs, `websocket open ${hub.wsUrl}`);
    return client;
  }

  constructor(ws) {
    this.ws = ws;
    this.nextId = 1;
    this.messages = []; // every parsed frame, in order
    this.nonJson = []; // frames that were not JSON (a protocol violation by the hub)
    this.replyCount = new Map(); // JSON.stringify(id) -> number of replies seen
    this.waiters = new Set();
    this.closeInfo = null;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        for (const w of this.waiters) w.onClose(this.closeInfo);
        resolve(this.closeInfo);
      });
    });
    ws.on('error', (e) => { this.lastError = e; });
    ws.on('message', (data, isBinary) => {
      let msg;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        this.nonJson.push({ isBinary, text: data.toString().slice(0, 200) });
        return;
      }
      this.messages.push(msg);
      // id null answers frames that had no usable id: many such replies are fine.
      if (msg && typeof msg === 'object' && 'id' in msg && msg.id !== null) {
        const k = JSON.stringify(msg.id);
        this.replyCount.set(k, (this.replyCount.get(k) || 0) + 1);
      }
      for (const w of [...this.waiters]) w.onMessage(msg);
    });
  }

  get protocol() { return this.ws.protocol; }

  /** Wait for the first frame (already received or future) for which pred(msg) is true. */
  waitMessage(pred, timeoutMs = 5_000, what = 'message') {
    const seen = this.messages.find(pred);
    if (seen) return Promise.resolve(seen);
    let waiter;
    const p = new Promise((resolve, reject) => {
      waiter = {
        onMessage: (m) => { if (pred(m)) resolve(m); },
        onClose: (c) => reject(new Error(`connection closed (code ${c.code} ${c.reason}) while waiting for ${what}`)),
      };
      this.waiters.add(waiter);
      if (this.closeInfo) waiter.onClose(this.closeInfo);
    });
    return withTimeout(p, timeoutMs, what).finally(() => this.waiters.delete(waiter));
  }

  /** Send a frame as is (a string, or an object that is JSON-encoded). */
  sendRaw(data) {
    this.ws.send(typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data));
  }

  /** Send {id, type, ...fields} and resolve with the reply that has the same id ({id,result}|{id,error}). */
  async request(type, fields = {}, timeoutMs = 5_000) {
    const id = this.nextId++;
    const reply = this.waitMessage((m) => m && m.id === id && !('event' in m), timeoutMs, `reply to ${type} (id ${id})`);
    this.sendRaw({ id, type, ...fields });
    return reply;
  }

  /** Replies with the same (non-null) id seen more than once (must be none). */
  duplicateReplies() {
    return [...this.replyCount].filter(([, n]) => n > 1).map(([k, n]) => `id ${k}: ${n} replies`);
  }

  close() {
    try { this.ws.close(1000); } catch { /* already closing */ }
  }

  terminate() {
    try { this.ws.terminate(); } catch { /* already gone */ }
  }
}
