// The attendance report as a file: GET /api/meetings/{meeting}/attendance?format=csv with the
// token as a Bearer header (a plain link cannot carry it), saved through a blob link.

import { HttpError } from './httpsdp.js';

export function attendanceUrl(base, meeting, format = 'csv') {
  return `${base}/api/meetings/${encodeURIComponent(meeting)}/attendance?format=${encodeURIComponent(format)}`;
}

// Resolves with { text, filename }; rejects with HttpError ('http' with status, or 'network').
export async function fetchAttendance({ base, meeting, token }) {
  let res;
  try {
    res = await fetch(attendanceUrl(base, meeting), { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
  } catch (e) {
    throw new HttpError('network', e.message);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) {
    const plain = (res.headers.get('Content-Type') || '').startsWith('text/plain');
    const reason = plain ? text.trim().slice(0, 200) : '';
    throw new HttpError('http', `${res.status}${res.statusText ? ' ' + res.statusText : ''}${reason ? ': ' + reason : ''}`, res.status);
  }
  const disp = res.headers.get('Content-Disposition') || '';
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disp);
  const filename = m ? decodeURIComponent(m[1]) : `diem-danh-${meeting}.csv`;
  return { text, filename };
}

// A byte order mark first, so that spreadsheet programs read the Vietnamese names as UTF-8.
export function saveText(text, filename, type = 'text/csv;charset=utf-8') {
  const body = text.startsWith('\ufeff') ? text : `\ufeff${text}`;
  const url = URL.createObjectURL(new Blob([body], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
