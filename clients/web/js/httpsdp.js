// The HTTP side of WHIP and WHEP: one offer POSTed, a 201 with the answer and a Location,
// DELETE to end. Errors are HttpError with code 'http' (status set) or 'network'.

export class HttpError extends Error {
  constructor(code, message, status = 0) {
    super(message || code);
    this.name = 'HttpError';
    this.code = code;
    this.status = status;
  }
}

// "400 Bad Request: <reason>"; the reason only when the hub sent it as plain text.
function httpError(res, body) {
  const plain = (res.headers.get('Content-Type') || '').startsWith('text/plain');
  const reason = plain ? body.trim().replace(/\s+/g, ' ').slice(0, 200) : '';
  const text = `${res.status}${res.statusText ? ' ' + res.statusText : ''}${reason ? ': ' + reason : ''}`;
  return new HttpError('http', text, res.status);
}

// Resolves when ICE gathering completes or after capMs, whichever comes first.
export function gatheringDone(pc, capMs = 2000) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', onChange);
      resolve();
    };
    const onChange = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, capMs);
    pc.addEventListener('icegatheringstatechange', onChange);
  });
}

// POSTs the offer. Returns { answer, location (absolute URL), etag }.
export async function postOffer(url, token, sdp) {
  let res;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` },
      body: sdp,
    });
  } catch (e) {
    throw new HttpError('network', e.message);
  }
  const body = await res.text().catch(() => '');
  if (res.status !== 201) throw httpError(res, body);
  const loc = res.headers.get('Location');
  return {
    answer: body,
    location: loc ? new URL(loc, res.url || url).href : null,
    etag: res.headers.get('ETag'),
  };
}

export async function deleteResource(location, token) {
  let res;
  try {
    res = await fetch(location, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
  } catch (e) {
    throw new HttpError('network', e.message);
  }
  if (!res.ok) throw httpError(res, await res.text().catch(() => ''));
}

// Absolute endpoint URL: base + '/whip/' + meeting.
export function endpoint(base, kind, meeting) {
  return `${base}/${kind}/${encodeURIComponent(meeting)}`;
}
