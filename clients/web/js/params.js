// Page options from the link: the fragment (#token=...&name=...) wins over the query (?token=...).
// The fragment is preferred for tokens because it never reaches server logs.

export function readParams(loc = window.location) {
  const merged = new Map();
  const query = new URLSearchParams(loc.search);
  for (const [k, v] of query) merged.set(k, v);
  const hash = loc.hash.startsWith('#') ? loc.hash.slice(1) : loc.hash;
  for (const [k, v] of new URLSearchParams(hash)) merged.set(k, v);
  return merged;
}

function base64urlDecode(s) {
  let b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  while (b64.length % 4) b64 += '=';
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

// Reads the claims of a dh1 token for display only (the hub checks the signature).
// Returns { m, r, s, iat, exp, id } or null.
export function tokenClaims(token) {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== 'dh1') return null;
  try {
    const claims = JSON.parse(base64urlDecode(parts[1]));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

// "320x240" -> { width: 320, height: 240 }; anything else -> the fallback.
export function parseResolution(text, fallback = { width: 640, height: 360 }) {
  const m = /^(\d{2,4})x(\d{2,4})$/i.exec(text || '');
  if (!m) return fallback;
  return { width: Number(m[1]), height: Number(m[2]) };
}

// Base URL of the hub: #server=http://host:port for pages served elsewhere, else this page's origin.
export function hubBase(params) {
  const server = params.get('server');
  if (server) return server.replace(/\/+$/, '');
  return window.location.origin;
}

export function wsUrl(params) {
  const explicit = params.get('ws');
  if (explicit) return explicit;
  const base = new URL(hubBase(params) + '/');
  const scheme = base.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${base.host}/ws`;
}

export function wantedCodec(params) {
  const c = (params.get('codec') || '').toLowerCase();
  return c === 'h264' || c === 'vp8' ? c : null;
}

// Simulcast unless the page was opened with simulcast=0: viewers then get the layer they need
// (wall thumbnails the smallest) instead of every site's full picture.
export function wantedSimulcast(params) {
  return params.get('simulcast') !== '0';
}
