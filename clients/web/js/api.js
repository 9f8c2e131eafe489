// GET of a JSON route with the token as a Bearer header: resolves with the parsed body, rejects
// with { code, message, status } (code 'network', 'http' or 'bad_json'; message is the hub's
// error message when it sent one).

export async function getJson(url, token) {
  let res;
  try {
    res = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
  } catch (e) {
    throw { code: 'network', message: e.message || String(e), status: 0 };
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) {
    let reason = text.trim().slice(0, 200);
    try {
      const j = JSON.parse(text);
      reason = (j.error && (j.error.message || j.error.code)) || j.message || reason;
    } catch {
      /* plain text */
    }
    throw { code: 'http', message: `${res.status}${reason ? ' ' + reason : ''}`, status: res.status };
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw { code: 'bad_json', message: e.message, status: res.status };
  }
}
