// When and how soon a meeting page joins again after its websocket dropped.
// Delays: 1 s, 2 s, 4 s, 8 s, then 10 s for every further try; reset after a successful rejoin.

export const RECONNECT_DELAYS_MS = [1000, 2000, 4000, 8000, 10000];

export class Backoff {
  constructor(delays = RECONNECT_DELAYS_MS) {
    this.delays = delays;
    this.attempt = 0; // tries scheduled since the last success
  }

  next() {
    const ms = this.delays[Math.min(this.attempt, this.delays.length - 1)];
    this.attempt += 1;
    return ms;
  }

  reset() {
    this.attempt = 0;
  }
}

// Join errors after which trying again with the same token cannot help.
const FINAL_ERRORS = new Set(['unauthorized', 'revoked', 'token_expired', 'wrong_meeting', 'forbidden', 'bad_request']);

export function isFinalError(code) {
  return FINAL_ERRORS.has(code);
}

// Websocket close statuses set by the hub that end the session for good.
export const CLOSE_KICKED = 4001;
export const CLOSE_REPLACED = 4002; // the same site joined again from another connection

export function closeEnds(code) {
  return code === CLOSE_KICKED || code === CLOSE_REPLACED;
}
