// Controller of chair.html and site.html (<body data-page="chair"|"site">).
// join -> publish camera+mic (unless receive-only) -> show every other publisher as a tile.

import { t, initI18n, onLangChange, roleLabel } from './i18n.js';
import { readParams, tokenClaims, parseResolution, wsUrl, wantedCodec } from './params.js';
import { Signal } from './signal.js';
import { Meeting, canPublish } from './meeting.js';
import { openLocalMedia, stopStream } from './media.js';
import { collectStats } from './stats.js';
import { installTestHooks } from './testhooks.js';
import { setStatus, setStatusError, setNotice, setConn, TileSet, playVideo } from './ui.js';

const page = document.body.dataset.page === 'chair' ? 'chair' : 'site';
const dh = installTestHooks(page);
const params = readParams();
initI18n(params);

const $ = (id) => document.getElementById(id);
let meeting = null;
let localStream = null;
let left = false;

function recordError(code, message, where) {
  dh.pushError({ code, message, where });
  setStatusError(code, message);
}

function fatal(code, message, where) {
  recordError(code, message, where);
  dh.setState('error');
}

// ---- tiles -------------------------------------------------------------------------------
// Site page: the chair on the stage, everyone else in the side grid.
// Chair page: everyone in the main grid.
const gridTiles = new TileSet($('grid'), { empty: $('grid-empty') });
const stageTiles = page === 'site' ? new TileSet($('stage'), { big: true, empty: $('stage-empty') }) : null;
const keyframeTries = new Map(); // mid -> tries

function groupSources(sources) {
  const own = dh.peer;
  const groups = new Map();
  for (const s of sources) {
    if (!s || s.peer === own) continue;
    const key = s.peer || `mid-${s.mid}`;
    if (!groups.has(key)) {
      groups.set(key, { key, info: { peer: s.peer, name: s.name, role: s.role, site: s.site }, mids: [] });
    }
    groups.get(key).mids.push(s);
  }
  return [...groups.values()];
}

function renderSources(sources) {
  const groups = groupSources(sources);
  const entries = groups.map((g) => ({
    key: g.key,
    info: g.info,
    tracks: g.mids.map((s) => meeting.trackForMid(String(s.mid))),
    videoMids: g.mids.filter((s) => s.kind === 'video').map((s) => String(s.mid)),
  }));
  let stage = [];
  let grid = entries;
  if (stageTiles) {
    const chairIdx = entries.findIndex((e) => e.info.role === 'chair');
    if (chairIdx >= 0) {
      stage = [entries[chairIdx]];
      grid = entries.filter((_, i) => i !== chairIdx);
    }
    stageTiles.sync(stage);
  }
  gridTiles.sync(grid);
  // Chair page: as many columns as make a near-square grid, so few rooms get big tiles.
  if (page === 'chair') $('grid').style.setProperty('--cols', String(Math.min(8, Math.max(2, Math.ceil(Math.sqrt(grid.length))))));
  const count = $('count');
  if (count) count.textContent = t('room.count', { n: entries.length });
  for (const e of entries) for (const mid of e.videoMids) watchForPicture(e.key, mid);
}

// Asks the hub for a keyframe when a video tile shows no picture after a while.
function watchForPicture(key, mid) {
  const id = `${key}/${mid}`;
  if (keyframeTries.has(id)) return;
  keyframeTries.set(id, 0);
  const check = () => {
    if (!meeting || left) return;
    const video = (stageTiles && stageTiles.videoOf(key)) || gridTiles.videoOf(key);
    if (!video || video.videoWidth > 0) return;
    const n = keyframeTries.get(id) || 0;
    if (n >= 3) return;
    keyframeTries.set(id, n + 1);
    meeting.keyframe(mid).catch((e) => {
      if (e.code !== 'rate_limited') console.warn('keyframe', mid, e.code, e.message);
    });
    setTimeout(check, 3000);
  };
  setTimeout(check, 2500);
}

// ---- local controls ----------------------------------------------------------------------
function syncToggles() {
  const mic = $('toggle-mic');
  const cam = $('toggle-cam');
  const a = localStream ? localStream.getAudioTracks()[0] : null;
  const v = localStream ? localStream.getVideoTracks()[0] : null;
  if (mic) {
    mic.disabled = !a;
    mic.setAttribute('aria-pressed', String(!!a && !a.enabled));
    mic.textContent = t(!a ? 'room.mic' : a.enabled ? 'room.mic.on' : 'room.mic.off');
  }
  if (cam) {
    cam.disabled = !v;
    cam.setAttribute('aria-pressed', String(!!v && !v.enabled));
    cam.textContent = t(!v ? 'room.cam' : v.enabled ? 'room.cam.on' : 'room.cam.off');
  }
}

function bindControls() {
  $('toggle-mic')?.addEventListener('click', () => {
    const a = localStream?.getAudioTracks()[0];
    if (a) a.enabled = !a.enabled;
    syncToggles();
  });
  $('toggle-cam')?.addEventListener('click', () => {
    const v = localStream?.getVideoTracks()[0];
    if (v) v.enabled = !v.enabled;
    $('preview-box')?.classList.toggle('cam-off', !!v && !v.enabled);
    syncToggles();
  });
  $('leave')?.addEventListener('click', async () => {
    left = true;
    $('leave').hidden = true;
    if (meeting) await meeting.leave();
    stopStream(localStream);
    localStream = null;
    syncToggles();
    gridTiles.sync([]);
    stageTiles?.sync([]);
    dh.setState('init');
    setStatus('status.left', {}, 'info');
    setConn('ws', 'closed');
    setConn('pub', 'closed');
    setConn('sub', 'closed');
    $('rejoin').hidden = false;
  });
  $('rejoin')?.addEventListener('click', () => window.location.reload());
  onLangChange(syncToggles);
  syncToggles();
}

function showIdentity(info, name) {
  const el = $('identity');
  if (!el) return;
  const render = () => {
    const parts = [name, roleLabel(info.role), info.site].filter(Boolean);
    el.textContent = [...new Set(parts), `${t('room.meeting')}: ${info.meeting}`].join(' · ');
  };
  render();
  onLangChange(render);
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

  const signal = new Signal(wsUrl(params));
  signal.on('close', (ev) => {
    setConn('ws', 'closed');
    if (!ev.expected && !left) {
      fatal('ws_closed', `${ev.code}${ev.reason ? ' ' + ev.reason : ''}`, 'ws');
      $('leave').hidden = true;
      $('rejoin').hidden = false;
    }
  });
  signal.on('protocol_error', (e) => recordError(e.code || 'internal', e.message || '', 'ws'));

  setStatus('status.connecting');
  setConn('ws', 'connecting');
  try {
    await signal.connect();
  } catch (e) {
    setConn('ws', 'failed');
    fatal(e.code || 'ws_connect', e.message, 'ws');
    $('rejoin').hidden = false;
    discardMedia();
    return;
  }
  setConn('ws', 'open');

  meeting = new Meeting(signal);
  meeting.addEventListener('error', (ev) => recordError(ev.detail.code, ev.detail.message, ev.detail.where));
  meeting.addEventListener('pcstate', (ev) => {
    setConn(ev.detail.target === 'publisher' ? 'pub' : 'sub', ev.detail.state);
  });
  meeting.addEventListener('transport', (ev) => {
    const d = ev.detail;
    if (d.state === 'failed') recordError('transport_failed', `${d.target}${d.reason ? ': ' + d.reason : ''}`, d.target);
  });
  meeting.addEventListener('sources', (ev) => {
    dh.setSources(ev.detail.sources, ev.detail.revision);
    renderSources(ev.detail.sources);
  });
  dh.setStatsProvider(() =>
    collectStats({
      inboundPcs: [meeting.subscriber],
      outboundPcs: [meeting.publisher],
      sourceByMid: (mid) => meeting.sources.find((s) => String(s.mid) === mid),
    }),
  );

  setStatus('status.joining');
  let info;
  try {
    info = await meeting.join({ token, name, meeting: params.get('meeting') || undefined });
  } catch (e) {
    fatal(e.code, e.message, 'join');
    meeting.close();
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
  setStatus('status.joined', { meeting: info.meeting }, 'ok');
  // Sources may have arrived before we knew our own peer id.
  if (meeting.sources.length) renderSources(meeting.sources);

  if (!canPublish(info.role) || noPublish) {
    dh.receiveOnly = true;
    setNotice(noPublish ? 'room.recvonly.option' : 'room.recvonly.role', { role: info.role });
    setStatus('status.recvonly', { meeting: info.meeting }, 'ok');
    discardMedia();
    $('preview-box')?.classList.add('no-media');
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
    $('preview-box')?.classList.add('no-media');
    return;
  }
  if (left) {
    stopStream(media.stream);
    return;
  }
  localStream = media.stream;
  if (media.missing.length) {
    const have = media.missing.includes('video') ? 'audio' : 'video';
    setNotice('room.recvonly.partial', { what: have, reason: media.error });
  }
  const preview = $('preview');
  preview.srcObject = new MediaStream(localStream.getVideoTracks());
  playVideo(preview, { remote: false });
  if (!localStream.getVideoTracks().length) $('preview-box')?.classList.add('no-media');
  syncToggles();

  setConn('pub', 'connecting');
  try {
    const { codecApplied } = await meeting.publish(localStream, { codec });
    if (!codecApplied && localStream.getVideoTracks().length) {
      dh.pushError({ code: 'codec_unavailable', message: codec, where: 'publish' });
    }
  } catch (e) {
    setConn('pub', 'failed');
    recordError(e.code || 'webrtc', e.message, 'publish');
    return;
  }
  dh.setState('publishing');
  setStatus('status.publishing', {}, 'ok');
}

start().catch((e) => fatal('internal', e && e.message ? e.message : String(e), 'page'));
