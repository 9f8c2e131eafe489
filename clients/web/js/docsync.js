// The meeting's documents arrive in the background as soon as they are announced, so that they are
// on the site's machine before the chair presents them; each is checked against its SHA-256 and
// reported to the hub (`document_held`), which shows the operators who holds what. A download that
// fails is retried with growing pauses; a late joiner gets the list on join and fetches what it
// misses.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function sha256Hex(buf) {
  const d = await crypto.subtle.digest('SHA-256', buf);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function mountDocSync(session, token, dh) {
  const docs = new Map(); // id -> { meta, held, bytes }
  dh.set('documents', []);
  dh.set('documentsStatus', null);
  dh.documentBytes = (id) => docs.get(id)?.bytes || null;

  const publish = () => dh.set('documents', [...docs.values()].map((d) => ({ ...d.meta, held: d.held })));

  async function fetchOne(meta) {
    if (!meta || typeof meta.id !== 'string') return;
    const known = docs.get(meta.id);
    if (known && (known.held || known.busy)) {
      // Already here: tell this connection's hub again (a rejoin starts a new count).
      if (known.held) session.request('document_held', { document: meta.id }).catch(() => {});
      return;
    }
    const entry = { meta, held: false, busy: true, bytes: null };
    docs.set(meta.id, entry);
    publish();
    for (let attempt = 0; attempt < 6; attempt++) {
      try {
        const res = await fetch(`/api/documents/${encodeURIComponent(meta.id)}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const bytes = await res.arrayBuffer();
        if (meta.sha256 && (await sha256Hex(bytes)) !== meta.sha256) throw new Error('sha256 mismatch');
        entry.bytes = bytes;
        entry.held = true;
        entry.busy = false;
        publish();
        await session.request('document_held', { document: meta.id });
        return;
      } catch {
        await sleep(Math.min(30_000, 1000 * 2 ** attempt));
      }
    }
    entry.busy = false;
  }

  session.on('documents', (d) => (d?.docs || []).forEach((m) => fetchOne(m)));
  session.on('document_added', (d) => fetchOne(d));
  session.on('documents_status', (d) => dh.set('documentsStatus', d?.docs || []));
}
