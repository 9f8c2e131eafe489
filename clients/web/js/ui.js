// Page widgets: the status line, connection badges, notices, video tiles, audio unlock.
// All text goes through i18n and is redrawn when the language changes.

import { t, errorLabel, roleLabel, onLangChange } from './i18n.js';

const $ = (id) => document.getElementById(id);

// ---- status line -------------------------------------------------------------------------
let lastStatus = null;

function renderStatus() {
  const el = $('status');
  if (!el || !lastStatus) return;
  const s = lastStatus;
  let text;
  if (s.level === 'error') {
    const label = errorLabel(s.code);
    const detail = s.message && s.message !== s.code && s.message !== label ? `${label} (${s.message})` : label;
    text = t('status.error', { message: detail });
  } else {
    text = t(s.key, s.params);
  }
  el.textContent = text;
  el.dataset.level = s.level;
}

// Once script owns the line, its static data-i18n must not overwrite it on a language change.
function ownStatus() {
  const el = $('status');
  if (el && el.dataset.i18n) delete el.dataset.i18n;
}

export function setStatus(key, params = {}, level = 'info') {
  lastStatus = { key, params, level };
  ownStatus();
  renderStatus();
}

export function setStatusError(code, message = '') {
  lastStatus = { level: 'error', code, message };
  ownStatus();
  renderStatus();
}

// ---- notice (a lasting remark such as "receive only") --------------------------------------
let lastNotice = null;

function renderNotice() {
  const el = $('notice');
  if (!el) return;
  if (!lastNotice) {
    el.hidden = true;
    el.textContent = '';
    return;
  }
  const params = { ...lastNotice.params };
  if (params.role) params.role = roleLabel(params.role);
  if (params.what) params.what = t(`media.${params.what}`);
  el.textContent = t(lastNotice.key, params);
  el.hidden = false;
}

export function setNotice(key, params = {}) {
  lastNotice = key ? { key, params } : null;
  renderNotice();
}

// ---- connection badges: <span id="conn-ws"><b data-i18n="conn.ws"></b> <span class="v"></span></span>
const connStates = new Map();

function renderConn(name) {
  const el = $(`conn-${name}`);
  if (!el) return;
  const state = connStates.get(name) || 'idle';
  el.dataset.state = state;
  const v = el.querySelector('.v');
  if (v) v.textContent = t(`conn.${state}`);
}

export function setConn(name, state) {
  connStates.set(name, state);
  renderConn(name);
}

// Everything above is drawn again in the new language.
onLangChange(() => {
  renderStatus();
  renderNotice();
  for (const name of connStates.keys()) renderConn(name);
});

// ---- audio unlock ------------------------------------------------------------------------
// Autoplay with sound may be refused until the user interacts; remote videos then play muted and
// a button offers to turn sound on.
const remoteVideos = new Set();

function showUnmute() {
  const btn = $('unmute');
  if (!btn || !btn.hidden) return;
  btn.hidden = false;
  btn.onclick = () => {
    btn.hidden = true;
    for (const v of remoteVideos) {
      v.muted = false;
      v.play().catch(() => {});
    }
  };
}

export function playVideo(video, { remote = true } = {}) {
  if (remote) remoteVideos.add(video);
  const p = video.play();
  if (!p) return;
  p.catch((err) => {
    if (err && err.name === 'NotAllowedError' && !video.muted) {
      video.muted = true;
      showUnmute();
      video.play().catch(() => {});
    }
  });
}

export function forgetVideo(video) {
  remoteVideos.delete(video);
}

// ---- tiles -------------------------------------------------------------------------------
function initials(text) {
  const words = String(text || '?').trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[words.length - 1][0] : (words[0] || '?').slice(0, 2);
  return letters.toUpperCase();
}

export function tileLabel(info) {
  const name = info.name || info.site || info.peer || '';
  const meta = [roleLabel(info.role), info.site].filter((x) => x && x !== name).join(' · ');
  return { name, meta };
}

function createTile(key, { big = false } = {}) {
  const fig = document.createElement('figure');
  fig.className = big ? 'tile tile-big' : 'tile';
  fig.dataset.peer = key;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  const ph = document.createElement('div');
  ph.className = 'tile-placeholder';
  const cap = document.createElement('figcaption');
  const name = document.createElement('span');
  name.className = 'tile-name';
  const meta = document.createElement('span');
  meta.className = 'tile-meta';
  cap.append(name, meta);
  fig.append(video, ph, cap);
  const markVideo = () => fig.classList.toggle('has-video', video.videoWidth > 0 && fig.dataset.video === '1');
  video.addEventListener('resize', markVideo);
  video.addEventListener('loadeddata', markVideo);
  return { el: fig, video, ph, name, meta, markVideo, trackIds: '', info: null };
}

// A keyed set of tiles in one container. sync() receives the wanted tiles and makes the DOM match.
export class TileSet {
  constructor(container, { big = false, empty = null } = {}) {
    this.container = container;
    this.big = big;
    this.empty = empty; // element shown when there is no tile
    this.tiles = new Map();
    onLangChange(() => this.relabel());
    this.updateEmpty();
  }

  // entries: [{ key, info: { peer, name, role, site }, tracks: [MediaStreamTrack] }]
  sync(entries) {
    const keep = new Set(entries.map((e) => e.key));
    for (const [key, tile] of this.tiles) {
      if (!keep.has(key)) {
        forgetVideo(tile.video);
        tile.video.srcObject = null;
        tile.el.remove();
        this.tiles.delete(key);
      }
    }
    entries.forEach((e, i) => {
      let tile = this.tiles.get(e.key);
      if (!tile) {
        tile = createTile(e.key, { big: this.big });
        this.tiles.set(e.key, tile);
      }
      // Keep the given order, moving only what is out of place.
      const at = this.container.children[i];
      if (at !== tile.el) this.container.insertBefore(tile.el, at || null);
      tile.info = e.info;
      this.label(tile);
      const tracks = e.tracks.filter(Boolean);
      const ids = tracks.map((tr) => tr.id).sort().join(',');
      if (ids !== tile.trackIds) {
        tile.trackIds = ids;
        tile.el.dataset.video = tracks.some((tr) => tr.kind === 'video') ? '1' : '0';
        tile.el.dataset.audio = tracks.some((tr) => tr.kind === 'audio') ? '1' : '0';
        tile.video.srcObject = tracks.length ? new MediaStream(tracks) : null;
        if (tracks.length) playVideo(tile.video);
        tile.markVideo();
      }
    });
    this.updateEmpty();
  }

  label(tile) {
    const { name, meta } = tileLabel(tile.info || {});
    tile.name.textContent = name;
    tile.meta.textContent = meta;
    tile.ph.textContent = initials(name);
    tile.el.title = meta ? `${name} — ${meta}` : name;
    const site = (tile.info && tile.info.site) || '';
    if (site) tile.el.dataset.site = site;
    else delete tile.el.dataset.site;
  }

  relabel() {
    for (const tile of this.tiles.values()) this.label(tile);
  }

  updateEmpty() {
    if (this.empty) this.empty.hidden = this.tiles.size > 0;
  }

  get size() {
    return this.tiles.size;
  }

  videoOf(key) {
    const tile = this.tiles.get(key);
    return tile ? tile.video : null;
  }

  elOf(key) {
    const tile = this.tiles.get(key);
    return tile ? tile.el : null;
  }
}
