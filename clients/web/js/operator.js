// Controller of operator.html: the wall of every invited site (list + one page of pictures), the
// floor (queue, holders, mute all, per-site give / mute / remove), and the attendance roll.
// Publishes nothing unless the link says #publish=1.

import { t, initI18n, roleLabel } from './i18n.js';
import { readParams, tokenClaims, parseResolution, wsUrl, wantedCodec, hubBase } from './params.js';
import { openLocalMedia } from './media.js';
import { installTestHooks } from './testhooks.js';
import { mountDocSync } from './docsync.js';
import { mountDocPanel } from './docpanel.js';
import { setStatus, setNotice, setConn, TileSet } from './ui.js';
import { setupSession, recordError, showIdentity } from './pagesession.js';
import { tileEntries } from './sources.js';
import { KeyframeWatch } from './keyframes.js';
import { MicGate } from './micgate.js';
import { mountLocalMedia } from './localmedia.js';
import { mountFloorPanel } from './floorpanel.js';
import { mountSpeaker } from './speaker.js';
import { mountPager } from './pager.js';
import { mountWall } from './wall.js';
import { mountThumbs, PAGE_SIZE } from './thumbs.js';
import { mountRoll } from './roll.js';
import { confirmKick } from './confirm.js';
import { fetchAttendance, saveText } from './attendance.js';
import { floorOf, floorFromWall } from './eventdata.js';
import { mountVote } from './vote.js';
import { mountAgenda } from './agenda.js';
import { mountRecording } from './recording.js';

const dh = installTestHooks('operator');
const params = readParams();
initI18n(params);

const $ = (id) => document.getElementById(id);
let session = null;
let controls = null;
let holders = new Set();
let token = '';
let floorSeen = false; // a `floor` event came on this connection

// ---- the page's parts ------------------------------------------------------------------------
const program = new TileSet($('program'), { empty: $('program-empty') }); // chair, operators, floor holders
const thumbs = mountThumbs($('thumbs'), $('thumbs-empty'));
const speaker = mountSpeaker($('speaker-name'));
const roll = mountRoll();
const local = mountLocalMedia(new MicGate({ gated: false }));
const keyframes = new KeyframeWatch({
  videoOf: (key) => thumbs.videoOf(key) || program.videoOf(key),
  request: (mid) => (session && session.meeting ? session.meeting.keyframe(mid) : Promise.resolve()),
});
const pager = mountPager($('wall-pager'), { go: (n) => controls.wallPage(n) });
const floorPanel = mountFloorPanel({
  give: (site) => controls.giveFloor(site),
  take: (site) => controls.takeFloor(site),
  muteAll: () => controls.muteAll(),
});
const wall = mountWall({
  actions: {
    give: (site) => controls.giveFloor(site),
    take: (site) => controls.takeFloor(site),
    kick: (site, s) =>
      confirmKick({ site, name: s && s.name }).then(({ ok, reason }) => (ok ? controls.kick(site, reason) : null)),
  },
});

function renderMedia() {
  const m = session ? session.meeting : null;
  const sources = m ? m.sources : [];
  const trackForMid = (mid) => (m ? m.trackForMid(mid) : null);
  // The chair first, then operators, then the sites holding the floor.
  const rank = (e) => (e.info.role === 'chair' ? 0 : e.info.role === 'site' ? 2 : 1);
  const entries = tileEntries(sources, trackForMid, { own: dh.peer })
    .filter((e) => e.info.role !== 'site' || holders.has(e.info.site))
    .sort((a, b) => rank(a) - rank(b));
  program.sync(entries);
  for (const e of entries) for (const mid of e.videoMids) keyframes.watch(e.key, mid);
  const shown = thumbs.render({ wall: wall.sites, page: pager.page, size: PAGE_SIZE, sources, trackForMid });
  for (const v of shown) keyframes.watch(v.key, v.mid);
  speaker.reapply();
}

function onResult(type, result) {
  if (type === 'wall' && result) {
    pager.set(result.page, result.pages);
    renderMedia();
  } else if (type === 'roll') {
    roll.update(result);
  }
}

// Page and roll of a fresh connection (first join and every rejoin).
function afterJoin() {
  controls.wallPage(pager.page).catch(() => {});
  controls.refreshRoll().catch(() => {});
}

// ---- attendance file ------------------------------------------------------------------------
function attendance() {
  if (!dh.meeting) return Promise.reject({ code: 'not_joined', message: 'attendance' });
  return fetchAttendance({ base: hubBase(params), meeting: dh.meeting, token });
}
Object.defineProperty(dh, 'attendanceCsv', {
  value: () =>
    attendance().then(
      (r) => r.text,
      (e) => {
        throw { code: e.code || 'http', message: e.message || '', status: e.status || 0 };
      },
    ),
  configurable: true,
});

$('roll-download').addEventListener('click', (ev) => {
  ev.preventDefault();
  const a = ev.currentTarget;
  if (a.getAttribute('aria-disabled') === 'true') return;
  a.setAttribute('aria-disabled', 'true');
  attendance()
    .then(({ text, filename }) => saveText(text, filename))
    .catch((e) => recordError(dh, e.code || 'http', `attendance: ${e.message || ''}`, 'attendance'))
    .finally(() => a.removeAttribute('aria-disabled'));
});
$('roll-refresh').addEventListener('click', (ev) => {
  const b = ev.currentTarget;
  b.disabled = true;
  controls.refreshRoll().catch(() => {}).finally(() => (b.disabled = false));
});

$('leave').addEventListener('click', async () => {
  $('leave').hidden = true;
  if (session) await session.leave();
  local.stop();
  program.sync([]);
  thumbs.clear();
  dh.setState('init');
  setStatus('status.left', {}, 'info');
  setConn('ws', 'closed');
  setConn('pub', 'closed');
  setConn('sub', 'closed');
  $('rejoin').hidden = false;
});
$('rejoin').addEventListener('click', () => window.location.reload());

// ---- start -------------------------------------------------------------------------------
async function start() {
  setConn('ws', 'idle');
  setConn('pub', 'idle');
  setConn('sub', 'idle');
  token = params.get('token') || '';
  if (!token) {
    recordError(dh, 'no_token', t('err.no_token'), 'page');
    dh.setState('error');
    return;
  }
  const claims = tokenClaims(token) || {};
  const name = (params.get('name') || claims.s || roleLabel(claims.r) || '').slice(0, 80);
  const wantPublish = params.get('publish') === '1';
  const mediaPromise = wantPublish ? openLocalMedia(parseResolution(params.get('res'))) : Promise.resolve(null);

  ({ session, controls } = setupSession({
    dh,
    url: wsUrl(params),
    token,
    name,
    meeting: params.get('meeting') || '',
    codec: wantedCodec(params),
    hooks: {
      onResult,
      onDown: () => {
        keyframes.forget();
        dh.setSources([], dh.revision);
        renderMedia();
      },
      onUp: () => {
        $('leave').hidden = false;
        floorSeen = false;
        wall.forgetFloor();
        afterJoin();
      },
      onEnded: () => {
        local.stop();
        program.sync([]);
        thumbs.clear();
      },
    },
  }));
  session.addEventListener('sources', (ev) => {
    dh.setSources(ev.detail.sources, ev.detail.revision);
    renderMedia();
  });
  session.on('wall', (d) => {
    wall.update(d);
    if (!floorSeen) {
      const f = floorFromWall(wall.sites);
      holders = new Set(f.holders.map((h) => h.site));
      floorPanel.update(f);
    }
    pager.guessPages(Math.ceil(wall.sites.length / PAGE_SIZE));
    renderMedia();
  });
  session.on('floor', (d) => {
    floorSeen = true;
    holders = new Set(floorOf(d).holders.map((h) => h.site));
    floorPanel.update(d);
    wall.setFloor(d);
    renderMedia();
  });
  session.on('speaker', (d) => speaker.update(d));
  mountDocSync(session, token, dh);
  mountDocPanel(dh);
  mountVote({ dh, session, root: $('vote-panel'), page: 'operator' });
  mountAgenda({ dh, session, root: $('agenda-panel'), editor: false });
  mountRecording({ dh, session, root: $('rec-box'), control: true });
  session.on('roll', (d) => roll.update(d));

  setStatus('status.connecting');
  let info;
  try {
    info = await session.open();
  } catch (e) {
    if (e.code === 'ws_connect') setConn('ws', 'failed');
    recordError(dh, e.code || 'ws_connect', e.message, e.code === 'ws_connect' ? 'ws' : 'join');
    dh.setState('error');
    session.closeMeeting();
    $('rejoin').hidden = false;
    return;
  }
  dh.setState('joined');
  $('leave').hidden = false;
  showIdentity(info, name);
  setStatus('status.joined', { meeting: info.meeting }, 'ok');
  renderMedia();
  afterJoin();

  if (!wantPublish) {
    dh.receiveOnly = true;
    return;
  }
  const media = await mediaPromise;
  if (!media || !media.stream) {
    dh.receiveOnly = true;
    dh.pushError({ code: 'media', message: media ? media.error : '', where: 'media' });
    setNotice('room.recvonly.media', { reason: media ? media.error : '' });
    return;
  }
  for (const id of ['preview-box', 'toggle-mic', 'toggle-cam', 'conn-pub']) $(id).hidden = false;
  local.set(media.stream);
  setConn('pub', 'connecting');
  try {
    const { deferred } = await session.publish(media.stream);
    if (deferred) return;
  } catch (e) {
    setConn('pub', 'failed');
    recordError(dh, e.code || 'webrtc', e.message, 'publish');
    return;
  }
  dh.setState('publishing');
  setStatus('status.publishing', {}, 'ok');
}

start().catch((e) => {
  recordError(dh, 'internal', e && e.message ? e.message : String(e), 'page');
  dh.setState('error');
});
