// A tiny PDF writer for tests: N pages of Helvetica text, a correct cross-reference table, so any
// viewer opens it. `padBytes` adds that many bytes of comment lines to the first page's content
// stream, for large files (the comments are not drawn).
export function makePdf(pages, { label = 'dienhong', padBytes = 0 } = {}) {
  const objs = [null];
  const kids = [];
  for (let i = 0; i < pages; i++) kids.push(`${4 + 2 * i} 0 R`);
  objs[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objs[2] = `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${pages} >>`;
  objs[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
  for (let i = 0; i < pages; i++) {
    let stream = `BT /F1 24 Tf 72 720 Td (${label}: page ${i + 1} of ${pages}) Tj ET\n` +
      `BT /F1 12 Tf 72 690 Td (Generated ${new Date(0).toISOString()}) Tj ET\n`;
    if (i === 0 && padBytes > 0) {
      const line = `% ${'0123456789abcdef'.repeat(7)}\n`; // 115 bytes
      stream += line.repeat(Math.ceil(padBytes / line.length)).slice(0, padBytes - 1) + '\n';
    }
    objs[4 + 2 * i] = '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] ' +
      `/Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + 2 * i} 0 R >>`;
    objs[5 + 2 * i] = `<< /Length ${stream.length} >>\nstream\n${stream}endstream`;
  }
  // latin1 throughout: one character is one byte, so string lengths are byte offsets.
  const parts = ['%PDF-1.4\n%\xE2\xE3\xCF\xD3\n'];
  let at = parts[0].length;
  const offsets = [];
  for (let n = 1; n < objs.length; n++) {
    offsets[n] = at;
    const text = `${n} 0 obj\n${objs[n]}\nendobj\n`;
    parts.push(text);
    at += text.length;
  }
  let xref = `xref\n0 ${objs.length}\n0000000000 65535 f \n`;
  for (let n = 1; n < objs.length; n++) xref += `${String(offsets[n]).padStart(10, '0')} 00000 n \n`;
  parts.push(xref, `trailer\n<< /Size ${objs.length} /Root 1 0 R >>\nstartxref\n${at}\n%%EOF\n`);
  return Buffer.from(parts.join(''), 'latin1');
}
