// The documents API of a paperless meeting, over real HTTP against a real hub: the chair uploads a
// multi-page PDF, every participant downloads it (whole, by Range, revalidated by ETag), versions
// and the same bytes stored once, the websocket event, a restart; and every refusal: tokens,
// roles, sizes, types, and path traversal in every encoding on both routes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startHub } from '../lib/server.mjs';
import { HubSocket } from '../lib/wsclient.mjs';
import { makePdf } from '../lib/pdf.mjs';

const MEETING = 'hop-giao-ban-e2e';
const OTHER = 'hop-khac-e2e';
const TITLE = 'Tờ trình số 12/TTr-UBND — dự thảo';
// 8x8 images made with GStreamer's jpegenc and pngenc.
const JPEG = Buffer.from('/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0KSEiMEExNDk7Pj4+JS5ESUM8SDc9Pjv/2wBDAQoLCw4NDhwQEBw7KCIoOzs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozv/wAARCAAIAAgDAREAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDma8E/Wj//2Q==', 'base64');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAYAAADED76LAAAAEUlEQVQYlWNgYPj/Hz8eEQoAQ1d/gTXFLOsAAAAASUVORK5CYII=', 'base64');

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

async function upload(hub, token, body, { type = 'application/pdf', title = TITLE, item, meeting = MEETING, headers = {} } = {}) {
  const h = { 'content-type': type, ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (title !== null) h['x-document-title'] = encodeURIComponent(title);
  const q = item === undefined ? '' : `?item=${encodeURIComponent(item)}`;
  const res = await fetch(`${hub.url}/api/meetings/${meeting}/documents${q}`, { method: 'POST', headers: h, body });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, json, text };
}

async function get(hub, path, token, headers = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  const res = await fetch(`${hub.url}${path}`, { headers: h });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body, text: body.toString('utf8') };
}

// A request whose path goes out exactly as written (fetch would normalise "..", "%2e" and "\").
// Resolves { status, headers, body } or { error } when the hub closed the connection unanswered.
function raw(hub, method, path, headers = {}, { body, sendBody = true } = {}) {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port: hub.port, method, path, headers, agent: false });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', (error) => resolve({ error }));
    });
    req.on('error', (error) => resolve({ error }));
    if (body && sendBody) req.end(body);
    else if (!sendBody) req.flushHeaders(); // announce a body, never send it
    else req.end();
  });
}

/** Every file under the data directory's documents/, as paths relative to it. */
function storedFiles(dataDir) {
  const root = join(dataDir, 'documents');
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  try { walk(root); } catch { /* none yet */ }
  return out.sort();
}

test('documents: upload, download, ranges, versions, refusals, traversal, restart', { timeout: 120_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dienhong-e2e-docs-'));
  let hub = await startHub({ name: 'documents-http', dataDir });
  const port = hub.port;
  let site;
  try {
    const chair = await hub.token({ meeting: MEETING, role: 'chair' });
    const operator = await hub.token({ meeting: MEETING, role: 'operator' });
    const siteTok = await hub.token({ meeting: MEETING, role: 'site', site: 'ba-dinh' });
    const clerk = await hub.token({ meeting: MEETING, role: 'clerk' });
    const otherChair = await hub.token({ meeting: OTHER, role: 'chair' });
    const otherSite = await hub.token({ meeting: OTHER, role: 'site', site: 'tay-ho' });

    // A site in the meeting, to see the event.
    site = await HubSocket.connect(hub);
    assert.ok('result' in await site.request('join', { token: siteTok }));

    const pdf1 = makePdf(5, { label: 'Du thao lan 1' });
    const pdf2 = makePdf(7, { label: 'Du thao lan 2', padBytes: 3 << 20 }); // over the 64 KiB default
    let doc1, doc2;

    await t.test('the chair uploads a 5-page PDF', async () => {
      const r = await upload(hub, chair, pdf1, { item: 'muc-1' });
      assert.equal(r.status, 201, r.text);
      doc1 = r.json;
      assert.match(doc1.id, /^d-[A-Za-z0-9]{16}$/);
      assert.equal(r.headers.get('location'), `/api/documents/${doc1.id}`);
      assert.equal(doc1.title, TITLE);
      assert.equal(doc1.version, 1);
      assert.equal(doc1.type, 'application/pdf');
      assert.equal(doc1.size, pdf1.length);
      assert.equal(doc1.sha256, sha256(pdf1));
      assert.equal(doc1.item, 'muc-1');
      assert.ok(Math.abs(doc1.uploaded_at - Date.now() / 1000) < 60);
    });

    await t.test('every token of the meeting downloads it, whole', async () => {
      for (const tok of [siteTok, clerk, operator, chair]) {
        const r = await get(hub, `/api/documents/${doc1.id}`, tok);
        assert.equal(r.status, 200);
        assert.ok(r.body.equals(pdf1), 'the bytes are the upload');
      }
      const r = await get(hub, `/api/documents/${doc1.id}`, siteTok);
      assert.equal(r.headers.get('content-type'), 'application/pdf');
      assert.equal(r.headers.get('content-length'), String(pdf1.length));
      assert.equal(r.headers.get('etag'), `"${sha256(pdf1)}"`);
      assert.equal(r.headers.get('cache-control'), 'private');
      assert.equal(r.headers.get('accept-ranges'), 'bytes');
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      const cd = r.headers.get('content-disposition');
      assert.match(cd, /^inline; filename\*=UTF-8''[A-Za-z0-9%!#$&+\-.^_`|~]+$/);
      assert.equal(decodeURIComponent(cd.split("''")[1]), TITLE);
      // A browser's <embed>/<img> has no header: the token may ride in the query.
      const q = await get(hub, `/api/documents/${doc1.id}?token=${encodeURIComponent(siteTok)}`);
      assert.equal(q.status, 200);
      assert.ok(q.body.equals(pdf1));
      assert.equal(q.headers.get('referrer-policy'), 'no-referrer');
      const head = await raw(hub, 'HEAD', `/api/documents/${doc1.id}`, { authorization: `Bearer ${siteTok}` });
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], String(pdf1.length));
      assert.equal(head.body.length, 0);
    });

    await t.test('ETag revalidation and Range', async () => {
      const etag = `"${doc1.sha256}"`;
      const path = `/api/documents/${doc1.id}`;
      let r = await get(hub, path, siteTok, { 'if-none-match': etag });
      assert.equal(r.status, 304);
      assert.equal(r.body.length, 0);
      assert.equal(r.headers.get('etag'), etag);
      assert.equal((await get(hub, path, siteTok, { 'if-none-match': `"x", W/${etag}` })).status, 304);
      assert.equal((await get(hub, path, siteTok, { 'if-none-match': '"other"' })).status, 200);

      const size = pdf1.length;
      r = await get(hub, path, siteTok, { range: 'bytes=0-99' });
      assert.equal(r.status, 206);
      assert.equal(r.headers.get('content-range'), `bytes 0-99/${size}`);
      assert.equal(r.headers.get('content-length'), '100');
      assert.ok(r.body.equals(pdf1.subarray(0, 100)));
      r = await get(hub, path, siteTok, { range: 'bytes=-100' });
      assert.equal(r.status, 206);
      assert.equal(r.headers.get('content-range'), `bytes ${size - 100}-${size - 1}/${size}`);
      assert.ok(r.body.equals(pdf1.subarray(size - 100)));
      assert.match(r.body.toString('latin1'), /%%EOF\n$/);
      r = await get(hub, path, siteTok, { range: 'bytes=200-' });
      assert.equal(r.status, 206);
      assert.equal(r.headers.get('content-range'), `bytes 200-${size - 1}/${size}`);
      assert.ok(r.body.equals(pdf1.subarray(200)));
      r = await get(hub, path, siteTok, { range: `bytes=${size - 10}-${size + 1000}` });
      assert.equal(r.status, 206);
      assert.ok(r.body.equals(pdf1.subarray(size - 10)));
      r = await get(hub, path, siteTok, { range: `bytes=${size}-` });
      assert.equal(r.status, 416);
      assert.equal(r.headers.get('content-range'), `bytes */${size}`);
      r = await get(hub, path, siteTok, { range: 'bytes=-0' });
      assert.equal(r.status, 416);
      // Several ranges, another unit, a malformed one: the whole file.
      for (const range of ['bytes=0-9,20-29', 'pages=1-2', 'bytes=9-1', 'bytes=x']) {
        r = await get(hub, path, siteTok, { range });
        assert.equal(r.status, 200, range);
        assert.ok(r.body.equals(pdf1), range);
      }
      // If-Range naming another version: the whole (current) file.
      r = await get(hub, path, siteTok, { range: 'bytes=0-9', 'if-range': '"old"' });
      assert.equal(r.status, 200);
      r = await get(hub, path, siteTok, { range: 'bytes=0-9', 'if-range': etag });
      assert.equal(r.status, 206);
    });

    await t.test('a second version with the same title: a new id, version 2; version 1 stays', async () => {
      const event = site.waitMessage((m) => m.event === 'document_added' && m.data?.version === 2, 5_000, 'document_added event');
      const r = await upload(hub, operator, pdf2); // 3 MiB: over the default body limit
      assert.equal(r.status, 201, r.text);
      doc2 = r.json;
      assert.notEqual(doc2.id, doc1.id);
      assert.equal(doc2.version, 2);
      assert.equal(doc2.title, TITLE);
      assert.equal(doc2.size, pdf2.length);
      assert.equal(doc2.item, '');
      const ev = await event;
      assert.equal(ev.data.id, doc2.id);
      assert.equal(ev.data.sha256, doc2.sha256);

      const v2 = await get(hub, `/api/documents/${doc2.id}`, siteTok);
      assert.equal(v2.status, 200);
      assert.ok(v2.body.equals(pdf2));
      const v1 = await get(hub, `/api/documents/${doc1.id}`, siteTok);
      assert.ok(v1.body.equals(pdf1), 'version 1 is still there');

      const list = await get(hub, `/api/meetings/${MEETING}/documents`, siteTok);
      assert.equal(list.status, 200);
      const docs = JSON.parse(list.text);
      assert.equal(docs.length, 1);
      assert.equal(docs[0].id, doc2.id);
      assert.equal(docs[0].version, 2);
      assert.deepEqual(docs[0].versions.map((v) => [v.id, v.version, v.sha256]), [[doc1.id, 1, doc1.sha256]]);
    });

    await t.test('the same bytes are stored once', async () => {
      const before = storedFiles(dataDir);
      assert.equal(before.length, 2);
      for (const f of before) assert.match(f, /^[0-9a-f]{2}\/[0-9a-f]{62}\.bin$/, 'named by the hash alone');
      assert.ok(before.includes(`${doc1.sha256.slice(0, 2)}/${doc1.sha256.slice(2)}.bin`));

      // The newest version again (a retried upload): the same document, no new version.
      let r = await upload(hub, chair, pdf2);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.id, doc2.id);
      assert.equal(r.json.version, 2);
      // The same bytes under another title: another document, the same file.
      r = await upload(hub, chair, pdf1, { title: 'Bản sao', item: 'muc-2' });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.version, 1);
      assert.equal(r.json.sha256, doc1.sha256);
      assert.deepEqual(storedFiles(dataDir), before, 'no second file for the same bytes');

      // Images: PNG and JPEG, the title from Content-Disposition.
      r = await upload(hub, chair, PNG, { type: 'image/png', title: null, headers: { 'content-disposition': 'attachment; filename="so-do.png"' } });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.title, 'so-do.png');
      r = await upload(hub, chair, JPEG, { type: 'image/jpeg', title: null, headers: { 'content-disposition': "attachment; filename*=UTF-8''%E1%BA%A2nh.jpg" } });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.title, 'Ảnh.jpg');
      const img = await get(hub, r.headers.get('location'), siteTok);
      assert.equal(img.headers.get('content-type'), 'image/jpeg');
      assert.ok(img.body.equals(JPEG));
      assert.equal(storedFiles(dataDir).length, 4);

      const list = JSON.parse((await get(hub, `/api/meetings/${MEETING}/documents`, clerk)).text);
      assert.deepEqual(list.map((d) => [d.title, d.version, d.versions.length]),
        [['Ảnh.jpg', 1, 0], ['so-do.png', 1, 0], ['Bản sao', 1, 0], [TITLE, 2, 1]]);
    });

    await t.test('refusals: tokens and roles', async () => {
      const small = makePdf(1);
      assert.equal((await upload(hub, null, small)).status, 401);
      assert.equal((await upload(hub, 'dh1.not.valid', small)).status, 401);
      assert.equal((await upload(hub, otherChair, small)).status, 403, 'a token of another meeting');
      const bySite = await upload(hub, siteTok, small);
      assert.equal(bySite.status, 403);
      assert.match(bySite.json.error.message, /chair or an operator/);
      assert.equal((await upload(hub, clerk, small)).status, 403);

      const path = `/api/documents/${doc1.id}`;
      assert.equal((await get(hub, path, null)).status, 401);
      assert.equal((await get(hub, `${path}?token=dh1.forged.token`, null)).status, 401);
      const foreign = await get(hub, path, otherSite);
      assert.equal(foreign.status, 404, 'another meeting does not learn the id exists');
      assert.equal((await get(hub, `${path}?token=${encodeURIComponent(otherChair)}`)).status, 404);
      const guessed = `d-${randomBytes(12).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, 16)}`;
      const g = await get(hub, `/api/documents/${guessed}`, siteTok);
      assert.equal(g.status, 404);
      assert.equal(g.text, foreign.text, 'unknown and foreign ids answer alike');
      assert.equal((await get(hub, `/api/documents/${doc1.sha256}`, siteTok)).status, 404, 'a hash is not an id');
      assert.equal((await get(hub, `/api/meetings/${MEETING}/documents`, null)).status, 401);
      assert.equal((await get(hub, `/api/meetings/${MEETING}/documents`, otherSite)).status, 404);
      assert.equal((await raw(hub, 'DELETE', path, { authorization: `Bearer ${chair}` })).status, 405);
    });

    await t.test('refusals: types, contents, titles, items', async () => {
      let r = await upload(hub, chair, PNG); // a PNG sent as application/pdf
      assert.equal(r.status, 415);
      assert.equal(r.json.error.code, 'content_mismatch');
      assert.match(r.json.error.message, /not a PDF document: it does not start with "%PDF-"; it looks like a PNG image/);
      r = await upload(hub, chair, Buffer.from('Kính gửi các phường, xã.\n'));
      assert.equal(r.status, 415);
      assert.match(r.json.error.message, /%PDF-/);
      r = await upload(hub, chair, pdf1.subarray(0, pdf1.length - 2000)); // cut short
      assert.equal(r.status, 415);
      assert.match(r.json.error.message, /%%EOF/);
      r = await upload(hub, chair, JPEG, { type: 'image/png' });
      assert.equal(r.status, 415);
      assert.match(r.json.error.message, /JPEG image/);
      r = await upload(hub, chair, pdf1, { type: 'text/html' });
      assert.equal(r.status, 415);
      assert.equal(r.json.error.code, 'unsupported_type');
      assert.equal((await upload(hub, chair, pdf1, { type: 'application/octet-stream' })).status, 415);
      assert.equal((await upload(hub, chair, pdf1, { title: null })).status, 400, 'no title');
      assert.equal((await upload(hub, chair, pdf1, { title: '' })).status, 400);
      assert.equal((await upload(hub, chair, pdf1, { title: 'a\nb' })).status, 400);
      assert.equal((await upload(hub, chair, pdf1, { title: 'x'.repeat(256) })).status, 400);
      assert.equal((await upload(hub, chair, pdf1, { title: null, headers: { 'x-document-title': '%FF%FE' } })).status, 400);
      assert.equal((await upload(hub, chair, pdf1, { item: '../../etc' })).status, 400);
      assert.equal((await upload(hub, chair, pdf1, { item: 'x'.repeat(65) })).status, 400);
      assert.equal(storedFiles(dataDir).length, 4, 'nothing refused was stored');
    });

    await t.test('refusals: sizes', async () => {
      // 51 MiB announced: refused from the head, before a byte of it is read.
      const big = 51 << 20;
      const auth = { authorization: `Bearer ${chair}`, 'content-type': 'application/pdf', 'x-document-title': 'big' };
      let r = await raw(hub, 'POST', `/api/meetings/${MEETING}/documents`, { ...auth, 'content-length': String(big) }, { sendBody: false });
      assert.equal(r.status, 413, r.error?.message);
      assert.match(r.body.toString(), /at most 52428800 bytes/);
      // Sent for real, all 51 MiB of it: the client reads the 413 (the hub drains a little
      // before it closes, so the answer is not lost to a reset).
      const huge = Buffer.concat([makePdf(1), Buffer.alloc(big - makePdf(1).length, 0x20)]);
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${hub.url}/api/meetings/${MEETING}/documents`, { method: 'POST', headers: auth, body: huge });
        assert.equal(res.status, 413);
        assert.match(await res.text(), /payload too large/);
      }
      const bySite = await fetch(`${hub.url}/api/meetings/${MEETING}/documents`, { method: 'POST', headers: { ...auth, authorization: `Bearer ${siteTok}` }, body: huge.subarray(0, 5 << 20) });
      assert.equal(bySite.status, 403);
      // Large bodies from a caller who may not upload are refused before they are read, with the
      // status a small one gets.
      const announce = (headers) => raw(hub, 'POST', `/api/meetings/${MEETING}/documents`, { 'content-type': 'application/pdf', 'x-document-title': 'big', 'content-length': String(5 << 20), ...headers }, { sendBody: false });
      assert.equal((await announce({})).status, 401);
      assert.equal((await announce({ authorization: `Bearer ${siteTok}` })).status, 403);
      assert.equal((await announce({ authorization: `Bearer ${otherChair}` })).status, 403);
      assert.equal((await announce({ authorization: `Bearer ${chair}`, 'content-type': 'text/plain' })).status, 415);
      // Other routes keep the 64 KiB limit.
      r = await raw(hub, 'POST', '/api/meetings', { authorization: `Bearer ${chair}`, 'content-type': 'application/json', 'content-length': String(5 << 20) }, { sendBody: false });
      assert.equal(r.status, 413);
      assert.equal((await hub.health()).status, 200, 'the hub is fine');
    });

    await t.test('path traversal, in every encoding, on both routes', async () => {
      const id = doc1.id;
      const docPaths = [
        '/api/documents/../../../../etc/passwd',
        '/api/documents/..%2f..%2f..%2f..%2fetc%2fpasswd',
        '/api/documents/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
        '/api/documents/%2E%2E/%2E%2E/etc/passwd',
        '/api/documents/%252e%252e%252f%252e%252e%252fetc%252fpasswd',
        '/api/documents/..%5c..%5c..%5cetc%5cpasswd',
        '/api/documents/..\\..\\..\\etc\\passwd',
        '/api/documents/%c0%ae%c0%ae%c0%afetc%c0%afpasswd',
        '/api/documents//etc/passwd',
        '/api/documents/%2fetc%2fpasswd',
        '/api/documents/etc/passwd',
        `/api/documents/${id}/../../../../etc/passwd`,
        `/api/documents/${id}%2f..%2f..%2f..%2fetc%2fpasswd`,
        `/api/documents/${id}/..%2f..%2fdienhong.db`,
        '/api/documents/..%2fdienhong.db',
        '/api/documents/..%2ftoken.key',
        `/api/documents/..%2fdocuments%2f${doc1.sha256.slice(0, 2)}%2f${doc1.sha256.slice(2)}.bin`,
        '/api/documents/%00',
        `/api/documents/${id}%00`,
        `/api/documents/${id}%00.pdf`,
        '/api/documents/',
        '/api/documents',
      ];
      const meetingPaths = [
        '/api/meetings/../../etc/passwd/documents',
        '/api/meetings/..%2f..%2fetc%2fpasswd/documents',
        '/api/meetings/%2e%2e%2f%2e%2e%2f/documents',
        '/api/meetings/%252e%252e%252f/documents',
        '/api/meetings/..%5c..%5c/documents',
        `/api/meetings/${MEETING}%00/documents`,
        `/api/meetings/${MEETING}%2f..%2f..%2fetc%2fpasswd/documents`,
        `/api/meetings/${MEETING}/documents/../../../../etc/passwd`,
        `/api/meetings/${MEETING}/documents/..%2f..%2f..%2fetc%2fpasswd`,
        `/api/meetings/${MEETING}/documents/%2e%2e`,
        '/api/meetings//etc/passwd/documents',
        `/api/meetings/${MEETING}/documents%00`,
      ];
      const tokens = [siteTok, chair, null];
      for (const path of [...docPaths, ...meetingPaths]) {
        for (const tok of tokens) {
          const headers = tok ? { authorization: `Bearer ${tok}` } : {};
          for (const method of ['GET', 'POST']) {
            const opts = method === 'POST' ? { body: makePdf(1) } : {};
            const h = method === 'POST' ? { ...headers, 'content-type': 'application/pdf', 'x-document-title': 'x' } : headers;
            const r = await raw(hub, method, path, h, opts);
            const what = `${method} ${path} (${tok ? 'token' : 'no token'})`;
            if (r.error) {
              // lws refuses a NUL in the request line itself and closes the connection unanswered.
              assert.match(path, /%00/, `${what}: ${r.error.message}`);
              continue;
            }
            assert.ok([400, 401, 403, 404, 405].includes(r.status), `${what}: ${r.status}`);
            if (tok && method === 'GET') assert.ok([400, 404].includes(r.status), `${what}: ${r.status}`);
            const text = r.body.toString('latin1');
            assert.ok(!text.includes('root:'), `${what} leaked /etc/passwd`);
            assert.ok(!text.includes('%PDF-'), `${what} served a document`);
            assert.ok(!text.includes('SQLite format'), `${what} served the store`);
          }
        }
      }
      // Nothing was written outside documents/, nothing named by a request.
      const files = storedFiles(dataDir);
      assert.equal(files.length, 4);
      for (const f of files) assert.match(f, /^[0-9a-f]{2}\/[0-9a-f]{62}\.bin$/);
      assert.deepEqual(readdirSync(dataDir).filter((n) => !/^dienhong\.db(-wal|-shm)?$|^token\.key$|^documents$|^recordings$/.test(n)), []);
      assert.equal((await hub.health()).status, 200);
    });

    await t.test('after a restart, every version is there', async () => {
      site.close();
      site = null;
      await hub.stopClean();
      hub = await startHub({ name: 'documents-http-restart', dataDir, port });
      const v1 = await get(hub, `/api/documents/${doc1.id}`, siteTok);
      assert.equal(v1.status, 200);
      assert.ok(v1.body.equals(pdf1));
      const v2 = await get(hub, `/api/documents/${doc2.id}`, siteTok, { range: 'bytes=-5000' });
      assert.equal(v2.status, 206);
      assert.ok(v2.body.equals(pdf2.subarray(pdf2.length - 5000)));
      const list = JSON.parse((await get(hub, `/api/meetings/${MEETING}/documents`, siteTok)).text);
      assert.equal(list.length, 4);
      const v3 = await upload(hub, chair, makePdf(2, { label: 'lan 3' }));
      assert.equal(v3.json.version, 3, 'versions go on after a restart');
      assert.equal(statSync(join(dataDir, 'documents')).mode & 0o777, 0o700);
    });
  } finally {
    if (site) site.close();
    await hub.stopClean();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

// The fixture writer itself: what the tests above upload is a PDF a viewer opens.
test('makePdf writes a well-formed PDF', () => {
  const pdf = makePdf(3, { padBytes: 1000 }).toString('latin1');
  assert.ok(pdf.startsWith('%PDF-1.4\n'));
  assert.ok(pdf.endsWith('%%EOF\n'));
  const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(pdf)[1]);
  assert.ok(pdf.slice(startxref).startsWith('xref\n0 10\n'));
  const offsets = [...pdf.slice(startxref).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
  assert.equal(offsets.length, 9);
  offsets.forEach((off, i) => assert.ok(pdf.slice(off).startsWith(`${i + 1} 0 obj\n`), `object ${i + 1} at ${off}`));
  assert.equal((pdf.match(/\/Type \/Page /g) || []).length, 3);
});
