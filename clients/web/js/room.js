// Controller of chair.html and site.html (<body data-page="chair"|"site">).
// join -> publish camera+mic (unless receive-only) -> show the others as tiles; rejoin after a drop.
//  site:  the chair and the floor holders on the stage, the rest at the side; "request to speak";
//         the microphone sends only while the site holds the floor.
//  chair: the floor holders large, the wall page's sites in the grid; queue, holders, mute all.

import { t, initI18n, onLangChange, roleLabel } from './i18n.js';
import { readParams, tokenClaims, parseResolution, wsUrl, wantedCodec, wantedSimulcast } from './params.js';
import { canPublish } from './meeting.js';
import { openLocalMedia, stopStream } from './media.js';
import { installTestHooks } from './testhooks.js';
import { mountDocSync } from './docsync.js';
import { mountViewer } from './viewer.js';
import { setStatus, setNotice, setConn, TileSet } from './ui.js';
import { setupSession, recordError, showIdentity } from './pagesession.js';
import { tileEntries } from './sources.js';
import { KeyframeWatch } from './keyframes.js';
import { MicGate } from './micgate.js';
import { mountLocalMedia } from './localmedia.js';
import { mountHand } from './hand.js';
import { mountFloorPanel } from './floorpanel.js';
import { mountSpeaker } from './speaker.js';
import { mountPager } from './pager.js';
import { floorOf, floorFromWall, wallSites } from './eventdata.js';
import { mountVote } from './vote.js';
import { mountAgenda } from './agenda.js';
import { mountRecording } from './recording.js';

const page = document.body.dataset.page === 'chair' ? 'chair' : 'site';
const dh = installTestHooks(page);
const params = readParams();
initI18n(params);

const $ = (id) => document.getElementById(id);
let session = null;
let controls = null;
let left = false;
let holders = new Set(); // site codes holding the floor

function fatal(code, message, where) {
  recordError(dh, code, message, where);
  dh.setState('error');
}

// ---- tiles -------------------------------------------------------------------------------
// Site page: the chair and the floor holders on the stage, anyone else in the side grid.
// Chair page: the floor holders large (#floor-stage), everyone else in the main grid.
const gridTiles = new TileSet($('grid'), { empty: $('grid-empty') });
const stageTiles = page === 'site' ? new TileSet($('stage'), { big: true, empty: $('stage-empty') }) : null;
const floorTiles = page === 'chair' ? new TileSet($('floor-stage'), { big: true }) : null;
const speaker = mountSpeaker($('speaker-name'));
const keyframes = new KeyframeWatch({
  videoOf: (key) => stageTiles?.videoOf(key) || floorTiles?.videoOf(key) || gridTiles.videoOf(key),
  request: (mid) => (session && session.meeting ? session.meeting.keyframe(mid) : Promise.resolve()),
});

const holdsFloor = (e) => e.info.role === 'site' && holders.has(e.info.site);

function renderSources() {
  const m = session ? session.meeting : null;
  const entries = m ? tileEntries(m.sources, (mid) => m.trackForMid(mid), { own: dh.peer }) : [];
  let grid = entries;
  if (stageTiles) {
    const chair = entries.filter((e) => e.info.role === 'chair');
    const floor = entries.filter(holdsFloor);
    const stage = [...chair, ...floor];
    grid = entries.filter((e) => !stage.includes(e));
    stageTiles.sync(stage);
    const n = Math.max(1, stage.length);
    const cols = Math.ceil(Math.sqrt(n));
    $('stage').style.setProperty('--cols', String(cols));
    $('stage').style.setProperty('--rows', String(Math.ceil(n / cols)));
  }
  if (floorTiles) {
    const floor = entries.filter(holdsFloor);
    grid = entries.filter((e) => !floor.includes(e));
    floorTiles.sync(floor);
    $('floor-wrap').hidden = floor.length === 0;
    $('floor-stage').style.setProperty('--cols', String(Math.min(3, Math.max(1, floor.length))));
  }
  gridTiles.sync(grid);
  // Chair page: as many columns as make a near-square grid, so few rooms get big tiles.
  if (page === 'chair') $('grid').style.setProperty('--cols', String(Math.min(8, Math.max(2, Math.ceil(Math.sqrt(grid.length))))));
  const count = $('count');
  if (count) count.textContent = t('room.count', { n: entries.length });
  for (const e of entries) for (const mid of e.videoMids) keyframes.watch(e.key, mid);
  speaker.reapply();
}

// ---- microphone and camera -----------------------------------------------------------------
const mic = new MicGate({ gated: page === 'site' });
const local = mountLocalMedia(mic);

function clearTiles() {
  gridTiles.sync([]);
  stageTiles?.sync([]);
  floorTiles?.sync([]);
  if (floorTiles) $('floor-wrap').hidden = true;
}

function bindControls() {
  $('leave')?.addEventListener('click', async () => {
    left = true;
    $('leave').hidden = true;
    if (session) await session.leave();
    local.stop();
    clearTiles();
    dh.setState('init');
    setStatus('status.left', {}, 'info');
    setConn('ws', 'closed');
    setConn('pub', 'closed');
    setConn('sub', 'closed');
    $('rejoin').hidden = false;
  });
  $('rejoin')?.addEventListener('click', () => window.location.reload());
}

// ---- floor ---------------------------------------------------------------------------------
const hand =
  page === 'site'
    ? mountHand({
        actions: { raise: () => controls.raiseHand(), lower: () => controls.lowerHand() },
        onFloor: (floor) => {
          mic.setFloor(floor);
          local.sync();
        },
      })
    : null;

const floorPanel =
  page === 'chair'
    ? mountFloorPanel({
        give: (site) => controls.giveFloor(site),
        take: (site) => controls.takeFloor(site),
        muteAll: () => controls.muteAll(),
      })
    : null;

const pager = page === 'chair' ? mountPager($('wall-pager'), { go: (n) => controls.wallPage(n) }) : null;
const wallOff = params.get('wall') === 'none';

let floorSeen = false;
// The chair gets the `wall` list too: until the first `floor` event it says who holds the floor.
function onWall(data) {
  if (floorSeen || !floorPanel) return;
  const f = floorFromWall(wallSites(data));
  holders = new Set(f.holders.map((h) => h.site));
  floorPanel.update(f);
  renderSources();
}

function onFloor(data) {
  floorSeen = true;
  holders = new Set(floorOf(data).holders.map((h) => h.site));
  hand?.onFloorEvent(data);
  floorPanel?.update(data);
  renderSources();
}

// The chair sees the video of one wall page of sites (48); page 0 unless #wall=none.
function askWall(n) {
  if (!pager || wallOff || !session) return;
  session
    .request('wall', { page: n })
    .then((r) => pager.set(r.page, r.pages))
    .catch((e) => {
      dh.pushError({ code: e.code || 'internal', message: `wall: ${e.message || ''}`, where: 'wall' });
      if (e.code === 'unknown_type' || e.code === 'forbidden') pager.hide();
    });
}

function onResult(type, result) {
  hand?.onReply(type, result);
  if (type === 'wall' && pager) pager.set(result.page, result.pages);
}

// ---- start -------------------------------------------------------------------------------
async function start() {
  setConn('ws', 'idle');
  setConn('pub', 'idle');
  setConn('sub', 'idle');
  bindControls();

  const token = params.get('token');
  if (!token) {
    fatal('no_token', t('err.no_token'), 'page');
    return;
  }
  const claims = tokenClaims(token) || {};
  const name = (params.get('name') || claims.s || roleLabel(claims.r) || '').slice(0, 80);
  const res = parseResolution(params.get('res'));
  const codec = wantedCodec(params);
  const noPublish = params.get('publish') === '0' || params.get('recvonly') === '1';
  const willPublish = !noPublish && (!claims.r || canPublish(claims.r));

  // Opening the camera runs while we connect and join.
  const mediaPromise = willPublish ? openLocalMedia(res) : Promise.resolve(null);
  const discardMedia = () => mediaPromise.then((m) => m && stopStream(m.stream));

  ({ session, controls } = setupSession({
    dh,
    url: wsUrl(params),
    token,
    name,
    meeting: params.get('meeting') || '',
    codec,
    simulcast: wantedSimulcast(params),
    hooks: {
      onResult,
      onDown: () => {
        keyframes.forget();
        dh.setSources([], dh.revision);
        renderSources();
      },
      onUp: () => {
        $('leave').hidden = false;
        floorSeen = false;
        askWall(pager ? pager.page : 0);
      },
      onEnded: (d) => {
        local.stop();
        clearTiles();
        renderSources();
        discardMedia();
        if (d.code === 'kicked') $('hand-box')?.setAttribute('hidden', '');
      },
    },
  }));
  session.addEventListener('sources', (ev) => {
    dh.setSources(ev.detail.sources, ev.detail.revision);
    renderSources();
  });
  session.on('floor', onFloor);
  session.on('wall', onWall);
  session.on('speaker', (d) => speaker.update(d));
  mountDocSync(session, token, dh);
  mountViewer({ dh, session, root: $('viewer'), chair: page === 'chair' });
  mountVote({ dh, session, root: $('vote-panel'), page });
  mountAgenda({ dh, session, root: $('agenda-panel'), editor: page === 'chair' });
  mountRecording({ dh, session, root: $('rec-box'), control: page === 'chair' });

  setStatus('status.connecting');
  let info;
  try {
    info = await session.open();
  } catch (e) {
    if (e.code === 'ws_connect') setConn('ws', 'failed');
    fatal(e.code || 'ws_connect', e.message, e.code === 'ws_connect' ? 'ws' : 'join');
    session.closeMeeting();
    $('rejoin').hidden = false;
    discardMedia();
    return;
  }
  dh.peer = info.peer;
  dh.role = info.role;
  dh.meeting = info.meeting;
  dh.setState('joined');
  $('leave').hidden = false;
  showIdentity(info, name);
  hand?.setSite(info.site);
  setStatus('status.joined', { meeting: info.meeting }, 'ok');
  // Sources may have arrived before we knew our own peer id.
  renderSources();
  askWall(0);

  if (!canPublish(info.role) || noPublish) {
    dh.receiveOnly = true;
    setNotice(noPublish ? 'room.recvonly.option' : 'room.recvonly.role', { role: info.role });
    setStatus('status.recvonly', { meeting: info.meeting }, 'ok');
    discardMedia();
    local.noMedia();
    return;
  }

  setStatus('status.media');
  const media = await mediaPromise;
  if (!media || !media.stream) {
    dh.receiveOnly = true;
    const reason = media ? media.error : '';
    dh.pushError({ code: 'media', message: reason, where: 'media' });
    setNotice('room.recvonly.media', { reason });
    setStatus('status.recvonly', { meeting: info.meeting }, 'warn');
    local.noMedia();
    return;
  }
  if (left || session.ended) {
    stopStream(media.stream);
    return;
  }
  // A site's microphone is off (the gate) until it holds the floor, before anything is sent.
  local.set(media.stream);
  const localStream = media.stream;
  if (media.missing.length) {
    const have = media.missing.includes('video') ? 'audio' : 'video';
    setNotice('room.recvonly.partial', { what: have, reason: media.error });
  }

  setConn('pub', 'connecting');
  try {
    const { codecApplied, deferred } = await session.publish(localStream);
    if (deferred) return; // the socket dropped meanwhile: the rejoin publishes
    if (!codecApplied && localStream.getVideoTracks().length) {
      dh.pushError({ code: 'codec_unavailable', message: codec, where: 'publish' });
    }
  } catch (e) {
    setConn('pub', 'failed');
    recordError(dh, e.code || 'webrtc', e.message, 'publish');
    return;
  }
  dh.setState('publishing');
  setStatus('status.publishing', {}, 'ok');
}

start().catch((e) => fatal('internal', e && e.message ? e.message : String(e), 'page'));
