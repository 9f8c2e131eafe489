// Websocket request/reply client for the dienhong.v1 protocol.
// request() sends {id, type, ...fields} and resolves with `result` or rejects with a SignalError
// carrying the server's error code. Events ({event, data}) go to handlers registered with on().
// Local error codes: ws_connect, ws_closed, timeout, too_large.

export const SUBPROTOCOL = 'dienhong.v1';
const MAX_MESSAGE = 65536;

export class SignalError extends Error {
  constructor(code, message, extra = {}) {
    super(message || code);
    this.name = 'SignalError';
    this.code = code;
    Object.assign(this, extra);
  }
}

export class Signal {
  constructor(url, { timeoutMs = 10000 } = {}) {
    this.url = url;
    this.timeoutMs = timeoutMs;
    this.ws = null;
    this.nextId = 1;
    this.pending = new Map();
    this.handlers = new Map();
    this.closing = false;
  }

  get isOpen() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  on(name, fn) {
    if (!this.handlers.has(name)) this.handlers.set(name, new Set());
    this.handlers.get(name).add(fn);
    return () => this.handlers.get(name).delete(fn);
  }

  emit(name, data) {
    for (const fn of this.handlers.get(name) || []) {
      try {
        fn(data);
      } catch (e) {
        console.error(`handler for ${name} failed`, e);
      }
    }
  }

  connect() {
    return new Promise((resolve, reject) => {
      let ws;
      try {
        ws = new WebSocket(this.url, SUBPROTOCOL);
      } catch (e) {
        reject(new SignalError('ws_connect', e.message));
        return;
      }
      this.ws = ws;
      let opened = false;
      ws.onopen = () => {
        opened = true;
        this.emit('open', {});
        resolve();
      };
      ws.onerror = () => {
        if (!opened) reject(new SignalError('ws_connect', this.url));
      };
      ws.onclose = (ev) => {
        const err = new SignalError('ws_closed', `${ev.code}${ev.reason ? ' ' + ev.reason : ''}`, {
          closeCode: ev.code,
        });
        for (const p of this.pending.values()) {
          clearTimeout(p.timer);
          p.reject(err);
        }
        this.pending.clear();
        if (!opened) {
          reject(new SignalError('ws_connect', `${this.url} (${ev.code})`));
          return;
        }
        this.emit('close', { code: ev.code, reason: ev.reason, expected: this.closing });
      };
      ws.onmessage = (ev) => this.onMessage(ev.data);
    });
  }

  onMessage(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      this.emit('protocol_error', { code: 'bad_json', message: 'unparseable message from hub' });
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    if (typeof msg.event === 'string') {
      this.emit(msg.event, msg.data ?? {});
      return;
    }
    if (!('id' in msg)) return;
    const p = msg.id === null ? undefined : this.pending.get(msg.id);
    if (!p) {
      // A reply to no request of ours (e.g. {"id": null, "error": ...}).
      if (msg.error) this.emit('protocol_error', { ...msg.error });
      return;
    }
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.error) {
      const code = msg.error.code || 'internal';
      p.reject(new SignalError(code, msg.error.message || code, { type: p.type }));
    } else {
      p.resolve(msg.result ?? {});
    }
  }

  request(type, fields = {}, { timeoutMs = this.timeoutMs } = {}) {
    if (!this.isOpen) return Promise.reject(new SignalError('ws_closed', 'not connected', { type }));
    const id = this.nextId++;
    const text = JSON.stringify({ id, type, ...fields });
    if (new TextEncoder().encode(text).length > MAX_MESSAGE) {
      return Promise.reject(new SignalError('too_large', `${type} message over ${MAX_MESSAGE} bytes`, { type }));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SignalError('timeout', `${type} (${timeoutMs} ms)`, { type }));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, type });
      this.ws.send(text);
    });
  }

  // Closes the socket the way a network failure looks to the page: the 'close' event says
  // expected: false. For tests of reconnection.
  drop() {
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) this.ws.close();
  }

  close(code = 1000, reason = '') {
    this.closing = true;
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) this.ws.close(code, reason);
  }
}
