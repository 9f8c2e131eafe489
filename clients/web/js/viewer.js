// The document viewer of the site and chair pages: one page of a document the page already holds
// (docsync.js fetched it in the background; nothing is fetched again), drawn by pdf.js into a canvas
// as wide as the panel. It follows the presenter (`presenting` events) unless the user browses on
// their own; then it says where the presenter is and offers the way back. The chair also presents:
// present (page 1), turn the pages for everyone, stop.
//
// Test hooks (window.dh):
//   dh.presenting   latest `presenting` event data ({ document, page, title }) or null
//   dh.viewer       { document, page, pages, following } after each rendered page (null before)
//   dh.present(docId, page = 1)  dh.presentPage(n)  dh.presentStop()   requests to the hub; resolve
//                   with its result, reject with { code, message } (unknown_type while the hub
//                   does not know presenting yet)
//   dh.viewerGoto(n)   browse to page n of the open document (stops following while presenting)
//   dh.viewerOpen(docId, page = 1)   open a held document locally
//   dh.viewerFollow()  back to the presenter's page
// The goto/open/follow functions resolve once the page is drawn.

import { t, onLangChange } from './i18n.js';

const PDFJS = new URL('../vendor/pdfjs/pdf.min.mjs', import.meta.url).href;
const WORKER = new URL('../vendor/pdfjs/pdf.worker.min.mjs', import.meta.url).href;

let pdfjsPromise = null;
function loadPdfjs() {
  if (!pdfjsPromise) {
    pdfjsPromise = import(PDFJS).then((lib) => {
      lib.GlobalWorkerOptions.workerSrc = WORKER;
      return lib;
    });
    pdfjsPromise.catch(() => (pdfjsPromise = null));
  }
  return pdfjsPromise;
}

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...kids);
  return e;
}

function plainError(e) {
  return { code: e && e.code ? String(e.code) : 'internal', message: e && e.message ? String(e.message) : String(e) };
}

// A held document opened for drawing: { pages, draw(n, canvas, cssWidth) }.
async function openDoc(meta, bytes) {
  const type = meta?.type || 'application/pdf';
  if (type.startsWith('image/')) {
    const bitmap = await createImageBitmap(new Blob([bytes], { type }));
    return {
      pages: 1,
      async draw(_n, canvas, cssWidth) {
        const dpr = window.devicePixelRatio || 1;
        const w = Math.max(1, Math.round(cssWidth * dpr));
        const h = Math.max(1, Math.round((w * bitmap.height) / bitmap.width));
        canvas.width = w;
        canvas.height = h;
        canvas.style.width = `${cssWidth}px`;
        canvas.style.height = `${Math.round(h / dpr)}px`;
        canvas.getContext('2d').drawImage(bitmap, 0, 0, w, h);
      },
      destroy() {
        bitmap.close();
      },
    };
  }
  const lib = await loadPdfjs();
  // pdf.js hands its buffer to the worker (detaching it): give it a copy, the page keeps the bytes.
  const pdf = await lib.getDocument({ data: new Uint8Array(bytes.slice(0)), isEvalSupported: false }).promise;
  let task = null;
  return {
    pages: pdf.numPages,
    async draw(n, canvas, cssWidth) {
      const page = await pdf.getPage(n);
      const dpr = window.devicePixelRatio || 1;
      const base = page.getViewport({ scale: 1 });
      const viewport = page.getViewport({ scale: (cssWidth * dpr) / base.width });
      // Draw off screen, then swap in: the old page stays visible until the new one is ready.
      const off = document.createElement('canvas');
      off.width = Math.max(1, Math.floor(viewport.width));
      off.height = Math.max(1, Math.floor(viewport.height));
      if (task) task.cancel();
      task = page.render({ canvas: off, canvasContext: off.getContext('2d'), viewport });
      const mine = task;
      try {
        await mine.promise;
      } finally {
        if (task === mine) task = null;
      }
      canvas.width = off.width;
      canvas.height = off.height;
      canvas.style.width = `${cssWidth}px`;
      canvas.style.height = `${Math.round(off.height / dpr)}px`;
      canvas.getContext('2d').drawImage(off, 0, 0);
    },
    destroy() {
      pdf.destroy();
    },
  };
}

export function mountViewer({ dh, session, root, chair = false }) {
  dh.presenting = null;
  dh.viewer = null;

  // ---- DOM -----------------------------------------------------------------------------------
  const title = el('h2', { class: 'panel-title viewer-title' });
  const where = el('p', { class: 'viewer-where', hidden: true });
  where.setAttribute('role', 'status');
  where.setAttribute('aria-live', 'polite');
  const prev = el('button', { type: 'button', class: 'viewer-prev', textContent: '‹' });
  const next = el('button', { type: 'button', class: 'viewer-next', textContent: '›' });
  const label = el('span', { class: 'viewer-page' });
  const follow = el('button', { type: 'button', class: 'viewer-follow primary', hidden: true });
  const bar = el('div', { class: 'viewer-bar' }, prev, label, next, follow);
  const canvas = el('canvas', { class: 'viewer-canvas' });
  const msg = el('p', { class: 'empty viewer-msg' });
  const sheet = el('div', { class: 'viewer-sheet' }, canvas, msg);
  const presentBar = el('div', { class: 'viewer-present', hidden: true });
  const pPrev = el('button', { type: 'button', class: 'present-prev', textContent: '‹' });
  const pNext = el('button', { type: 'button', class: 'present-next', textContent: '›' });
  const pLabel = el('span', { class: 'present-label' });
  const pStop = el('button', { type: 'button', class: 'present-stop danger' });
  presentBar.append(pLabel, pPrev, pNext, pStop);
  const presentMsg = el('p', { class: 'viewer-present-msg', hidden: true });
  const listTitle = el('h3', { class: 'viewer-list-title' });
  const list = el('ul', { class: 'viewer-docs' });
  const listEmpty = el('p', { class: 'empty viewer-docs-empty' });
  root.replaceChildren(title, where, bar, sheet, presentBar, presentMsg, listTitle, list, listEmpty);

  // ---- state ---------------------------------------------------------------------------------
  const opened = new Map(); // doc id -> Promise<{ pages, draw }>
  let following = true;
  let cur = { document: null, page: 0, pages: 0 }; // what is (being) shown
  let want = null; // { document, page } wanted but not held yet
  let seq = 0;
  let errorKey = null; // the viewer message (i18n key) when nothing can be shown

  const metaOf = (id) => (dh.documents || []).find((d) => d.id === id) || null;
  const docTitle = (id) => {
    const m = metaOf(id);
    if (m) return m.version > 1 ? `${m.title} (v${m.version})` : m.title;
    if (dh.presenting && dh.presenting.document === id) return dh.presenting.title || id;
    return id || '';
  };
  const pagesOf = (id) => (cur.document === id && cur.pages ? cur.pages : 0);

  function docHandle(id) {
    if (!opened.has(id)) {
      const bytes = dh.documentBytes ? dh.documentBytes(id) : null;
      if (!bytes) return null;
      const p = openDoc(metaOf(id), bytes);
      p.catch(() => opened.delete(id));
      opened.set(id, p);
    }
    return opened.get(id);
  }

  const publish = () =>
    dh.set('viewer', { document: cur.document, page: cur.page, pages: cur.pages, following });

  // Draws page n of document id; resolves when drawn (or superseded).
  async function show(id, n) {
    const mine = ++seq;
    if (!id) return;
    const handle = docHandle(id);
    if (!handle) {
      want = { document: id, page: n };
      errorKey = metaOf(id) ? 'viewer.loading' : 'viewer.missing';
      render();
      return;
    }
    want = null;
    let doc;
    try {
      doc = await handle;
    } catch (e) {
      if (mine !== seq) return;
      errorKey = String(e && e.message).includes('vendor/pdfjs') || String(e).includes('import') ? 'viewer.nolib' : 'viewer.bad';
      dh.pushError({ code: 'viewer', message: e && e.message ? e.message : String(e), where: 'viewer' });
      cur = { document: id, page: 0, pages: 0 };
      render();
      return;
    }
    if (mine !== seq) return;
    const page = Math.min(Math.max(1, Math.floor(Number(n)) || 1), doc.pages);
    cur = { document: id, page, pages: doc.pages };
    errorKey = null;
    render();
    const width = Math.max(100, Math.floor(sheet.clientWidth || root.clientWidth || 600) - 2);
    try {
      await doc.draw(page, canvas, width);
    } catch (e) {
      if (e && e.name === 'RenderingCancelledException') return;
      if (mine !== seq) return;
      dh.pushError({ code: 'viewer', message: e && e.message ? e.message : String(e), where: 'viewer' });
      errorKey = 'viewer.bad';
      render();
      return;
    }
    if (mine !== seq) return;
    canvas.dataset.doc = id;
    canvas.dataset.page = String(page);
    publish();
  }

  const atPresenter = (id, n) => !!dh.presenting && dh.presenting.document === id && dh.presenting.page === n;

  // The user's own browsing.
  function browse(id, n) {
    if (dh.presenting) following = atPresenter(id, n);
    return show(id, n);
  }

  function followPresenter() {
    following = true;
    const p = dh.presenting;
    if (!p) {
      render();
      publish();
      return Promise.resolve();
    }
    return show(p.document, p.page);
  }

  // ---- rendering of the controls ---------------------------------------------------------------
  function render() {
    const p = dh.presenting;
    title.textContent = cur.document || want ? docTitle(want ? want.document : cur.document) : t('viewer.title');
    const shown = cur.document && cur.page && !errorKey;
    canvas.hidden = !shown;
    msg.hidden = !!shown;
    msg.textContent = t(errorKey || 'viewer.none');
    label.textContent = cur.pages ? t('viewer.page', { n: cur.page, total: cur.pages }) : '';
    prev.disabled = !shown || cur.page <= 1;
    next.disabled = !shown || cur.page >= cur.pages;
    bar.hidden = !cur.document && !p;
    follow.textContent = t('viewer.follow');
    const away = !!p && !following;
    follow.hidden = !away;
    if (away) {
      where.hidden = false;
      where.dataset.state = 'away';
      where.textContent = t('viewer.away', { title: p.title || docTitle(p.document), n: p.page });
    } else if (p) {
      where.hidden = false;
      where.dataset.state = 'following';
      where.textContent = t('viewer.following', { title: p.title || docTitle(p.document) });
    } else {
      where.hidden = true;
      where.dataset.state = 'none';
    }
    root.dataset.following = String(following);
    root.dataset.presenting = p ? 'yes' : 'no';

    // The chair's presenting bar.
    presentBar.hidden = !chair || !p;
    if (chair && p) {
      const total = pagesOf(p.document);
      pLabel.textContent = t('viewer.presenting', { n: p.page, total: total || '?' });
      pPrev.disabled = p.page <= 1;
      pNext.disabled = !!total && p.page >= total;
      pStop.textContent = t('viewer.stop');
      pPrev.setAttribute('aria-label', t('viewer.present.prev'));
      pNext.setAttribute('aria-label', t('viewer.present.next'));
    }
    prev.setAttribute('aria-label', t('viewer.prev'));
    next.setAttribute('aria-label', t('viewer.next'));
    renderList();
  }

  function renderList() {
    const docs = dh.documents || [];
    listTitle.textContent = t('docs.title');
    listEmpty.hidden = docs.length > 0;
    listEmpty.textContent = t('docs.empty');
    list.replaceChildren(
      ...docs.map((d) => {
        const li = el('li', { 'data-doc': d.id });
        if (d.id === cur.document) li.className = 'current';
        const open = el('button', { type: 'button', class: 'doc-open', disabled: !d.held, textContent: d.version > 1 ? `${d.title} (v${d.version})` : d.title });
        open.addEventListener('click', () => browse(d.id, 1));
        li.append(open);
        if (!d.held) li.append(el('small', { textContent: ` ${t('viewer.loading.short')}` }));
        if (dh.presenting && dh.presenting.document === d.id) li.append(el('small', { class: 'doc-live', textContent: ` ${t('viewer.live')}` }));
        if (chair) {
          const pres = el('button', { type: 'button', class: 'doc-present', textContent: t('viewer.present') });
          pres.addEventListener('click', () => present(d.id, 1).catch(() => {}));
          li.append(pres);
        }
        return li;
      }),
    );
  }

  // ---- presenting: the hub's events and the chair's requests ---------------------------------
  function onPresenting(d) {
    const p = d && typeof d.document === 'string' ? { document: d.document, page: Number(d.page) || 1, title: d.title || '' } : null;
    dh.set('presenting', p);
    if (!p) following = true; // nothing to be away from: the next presentation is followed
    if (p && following) show(p.document, p.page);
    else render();
    if (!p) publish();
  }

  let presentUnsupported = false;
  function request(type, fields) {
    return session.request(type, fields).then(
      (r) => {
        presentUnsupported = false;
        presentMsg.hidden = true;
        return r;
      },
      (e) => {
        const err = plainError(e);
        dh.pushError({ code: err.code, message: `${type}: ${err.message}`, where: 'present' });
        presentMsg.hidden = false;
        presentUnsupported = err.code === 'unknown_type';
        presentMsg.textContent = presentUnsupported ? t('viewer.unsupported') : t('viewer.failed', { message: err.message || err.code });
        throw err;
      },
    );
  }
  function present(docId, page = 1) {
    following = true;
    return request('present', { document: docId, page: Number(page) || 1 });
  }
  const presentPage = (n) => request('present_page', { page: Number(n) });
  const presentStop = () => request('present_stop', {});

  pPrev.addEventListener('click', () => dh.presenting && presentPage(dh.presenting.page - 1).catch(() => {}));
  pNext.addEventListener('click', () => dh.presenting && presentPage(dh.presenting.page + 1).catch(() => {}));
  pStop.addEventListener('click', () => presentStop().catch(() => {}));
  prev.addEventListener('click', () => cur.document && browse(cur.document, cur.page - 1));
  next.addEventListener('click', () => cur.document && browse(cur.document, cur.page + 1));
  follow.addEventListener('click', () => followPresenter());

  session.on('presenting', onPresenting);
  // A document wanted (presented) before it arrived: show it once held; the list follows dh.documents.
  window.addEventListener('dh:change', (ev) => {
    if (ev.detail.what !== 'documents') return;
    if (want && dh.documentBytes && dh.documentBytes(want.document)) show(want.document, want.page);
    else renderList();
  });
  // Redraw at the new width when the panel is resized.
  let lastWidth = 0;
  let resizeTimer = null;
  new ResizeObserver(() => {
    const w = sheet.clientWidth;
    if (!w || Math.abs(w - lastWidth) < 8) return;
    const first = lastWidth === 0;
    lastWidth = w;
    if (first || !cur.document || !cur.page) return;
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => show(cur.document, cur.page), 150);
  }).observe(sheet);
  onLangChange(render);

  const fns = {
    present,
    presentPage,
    presentStop,
    viewerGoto: (n) => (cur.document ? browse(cur.document, Number(n)) : Promise.resolve()),
    viewerOpen: (docId, page = 1) => browse(docId, page),
    viewerFollow: () => followPresenter(),
  };
  for (const [name, value] of Object.entries(fns)) Object.defineProperty(dh, name, { value, configurable: true });
  render();
  return fns;
}
