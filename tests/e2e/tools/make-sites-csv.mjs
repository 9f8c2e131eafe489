// Regenerates fixtures/sites-579.csv: the 579 commune and ward sites of the design load
// (site-001 ... site-579, "Điểm cầu 001" ...), their districts cycling through Hanoi's 30
// district-level units as they were before the 2025 merger.
// Written as Excel writes "CSV UTF-8": a byte-order mark and CRLF line ends, so the import path
// that real uploads take is the one the tests take.
// Usage: node tools/make-sites-csv.mjs [count]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2E_DIR } from '../lib/artifacts.mjs';

const DISTRICTS = [
  'Ba Đình', 'Hoàn Kiếm', 'Tây Hồ', 'Long Biên', 'Cầu Giấy', 'Đống Đa', 'Hai Bà Trưng',
  'Hoàng Mai', 'Thanh Xuân', 'Nam Từ Liêm', 'Bắc Từ Liêm', 'Hà Đông', 'Sơn Tây', 'Ba Vì',
  'Chương Mỹ', 'Đan Phượng', 'Đông Anh', 'Gia Lâm', 'Hoài Đức', 'Mê Linh', 'Mỹ Đức',
  'Phú Xuyên', 'Phúc Thọ', 'Quốc Oai', 'Sóc Sơn', 'Thạch Thất', 'Thanh Oai', 'Thanh Trì',
  'Thường Tín', 'Ứng Hòa',
];

const count = Number(process.argv[2] ?? 579);
if (!Number.isInteger(count) || count < 1 || count > 999) throw new Error(`bad count ${process.argv[2]}`);
const rows = ['code,name,district'];
for (let i = 1; i <= count; i++) {
  const n = String(i).padStart(3, '0');
  rows.push(`site-${n},Điểm cầu ${n},${DISTRICTS[(i - 1) % DISTRICTS.length]}`);
}
const out = join(E2E_DIR, 'fixtures', count === 579 ? 'sites-579.csv' : `sites-${count}.csv`);
// NFC, as typed on a Vietnamese keyboard: the same name must be the same bytes.
writeFileSync(out, '\uFEFF' + rows.join('\r\n').normalize('NFC') + '\r\n');
console.log(`wrote ${out} (${count} sites)`);
