// Small formatters shared by the pages' tables (operator, record, clerk).

// Lower case without Vietnamese diacritics: "Phường Đống Đa" -> "phuong dong da" (for filtering).
export function fold(s) {
  return String(s || '')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase();
}

// 3725 -> "1:02:05", 65 -> "1:05".
export function duration(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

// Unix seconds -> local "08:05:12"; 0 or missing -> "—".
export function clock(unix) {
  const n = Number(unix);
  if (!n) return '—';
  const d = new Date(n * 1000);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((x) => String(x).padStart(2, '0')).join(':');
}

// Unix seconds -> local "dd/mm/yyyy hh:mm:ss"; 0 or missing -> "—".
export function dateTime(unix) {
  const n = Number(unix);
  if (!n) return '—';
  const d = new Date(n * 1000);
  const p = (x) => String(x).padStart(2, '0');
  return `${p(d.getDate())}/${p(d.getMonth() + 1)}/${d.getFullYear()} ${clock(n)}`;
}

// 1536 -> "1.5 KB".
export function size(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

// Site codes in the hub's order (byte order of ASCII codes).
export function byCode(a, b) {
  return a.site < b.site ? -1 : a.site > b.site ? 1 : 0;
}
