// The meeting's controls and state on window.dh (for tests, and the one path the buttons use too).
//   dh.floor     latest `floor` event data (null before the first)
//   dh.speaker   latest `speaker` event data (null: nobody)
//   dh.wall      latest `wall` event data, the list of sites (null before the first)
//   dh.roll      latest attendance rows, from a `roll` event or reply (null before the first)
//   dh.kicked    null; once kicked the hub's reason, or 'kicked' when it gave none (always truthy)
//   dh.reconnects how many times the page joined again after a drop
//   dh.testDropSocket()  cuts the websocket as a network failure would
//   dh.raiseHand() lowerHand() giveFloor(site) takeFloor(site) muteAll() kick(site, reason)
//   wallPage(n) refreshRoll(): send the request; resolve with the result, reject with the hub's
//   error object { code, message } (local failures too: ws_closed, timeout).
// The page's buttons call the same functions; onResult(type, result, fields) and
// onError(error, type) tell the page what came back, whoever asked.

import { rollRows, wallSites, speakerOf } from './eventdata.js';

function plainError(e) {
  return { code: e && e.code ? String(e.code) : 'internal', message: e && e.message ? String(e.message) : String(e) };
}

export function kickedReason(reason) {
  return typeof reason === 'string' && reason ? reason : 'kicked';
}

export function installMeetingHooks(dh, session, { onResult = () => {}, onError = () => {} } = {}) {
  dh.floor = null;
  dh.speaker = null;
  dh.wall = null;
  dh.roll = null;
  dh.kicked = null;
  dh.reconnects = 0;

  session.on('floor', (d) => dh.set('floor', d));
  session.on('speaker', (d) => dh.set('speaker', speakerOf(d)));
  session.on('wall', (d) => dh.set('wall', wallSites(d)));
  session.on('roll', (d) => dh.set('roll', rollRows(d)));
  session.on('kicked', (d) => dh.set('kicked', kickedReason(d && d.reason)));
  session.addEventListener('up', (ev) => dh.set('reconnects', ev.detail.reconnects));

  const call = (type, fields = {}) =>
    session.request(type, fields).then(
      (result) => {
        onResult(type, result, fields);
        return result;
      },
      (e) => {
        const err = plainError(e);
        onError(err, type);
        throw err;
      },
    );

  const fns = {
    testDropSocket: () => session.drop(),
    raiseHand: () => call('raise_hand'),
    lowerHand: () => call('lower_hand'),
    giveFloor: (site) => call('floor_give', { site }),
    takeFloor: (site) => call('floor_take', { site }),
    muteAll: () => call('mute_all'),
    kick: (site, reason = '') => call('kick', reason ? { site, reason } : { site }),
    wallPage: (page) => call('wall', { page: Number(page) }),
    refreshRoll: () =>
      call('roll').then((r) => {
        dh.set('roll', rollRows(r));
        return r;
      }),
  };
  for (const [name, value] of Object.entries(fns)) Object.defineProperty(dh, name, { value, configurable: true });
  return fns;
}
