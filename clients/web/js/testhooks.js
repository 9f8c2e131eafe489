// window.dh: what automated tests (Chromium) read from every page.
//   dh.state   'init' | 'joined' | 'publishing' | 'error'
//              (meeting pages also 'reconnecting': the socket dropped and the page is rejoining)
//   dh.errors  [{ code, message, where, at }]  every error, oldest first
//   dh.sources the latest `sources` list of the subscriber offer (applied)
//   dh.stats() { inbound: [...], outbound: [...] } (see stats.js)
// Meeting pages (site, chair, operator) add the meeting's fields and functions: see
// meetinghooks.js (floor, speaker, wall, roll, kicked, reconnects, raiseHand(), ...).
// dh.set(what, value) sets one field and fires the change event.
// Each change also fires a 'dh:change' event on window.

const EMPTY = () => ({ inbound: [], outbound: [] });

export function installTestHooks(page) {
  if (window.dh && window.dh.__installed) return window.dh;
  let provider = EMPTY;
  const dh = {
    __installed: true,
    page,
    state: 'init',
    errors: [],
    sources: [],
    revision: null,
    peer: null,
    role: null,
    meeting: null,
    receiveOnly: false,
    async stats() {
      try {
        return await provider();
      } catch (e) {
        console.error('stats failed', e);
        return EMPTY();
      }
    },
  };
  const changed = (what) => window.dispatchEvent(new CustomEvent('dh:change', { detail: { what } }));
  Object.defineProperties(dh, {
    setState: {
      value(s) {
        dh.state = s;
        changed('state');
      },
    },
    pushError: {
      value({ code, message = '', where = '' }) {
        dh.errors.push({ code: String(code), message: String(message), where, at: Date.now() });
        changed('errors');
      },
    },
    setSources: {
      value(list, revision) {
        dh.sources = Array.isArray(list) ? list.map((s) => ({ ...s })) : [];
        if (revision !== undefined) dh.revision = revision;
        changed('sources');
      },
    },
    set: {
      value(what, value) {
        dh[what] = value;
        changed(what);
      },
    },
    setStatsProvider: {
      value(fn) {
        provider = fn || EMPTY;
      },
    },
  });
  window.dh = dh;
  return dh;
}
