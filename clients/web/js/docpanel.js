// The operator's view of document distribution: per document how many sites hold it (561/579)
// and which do not yet, from the hub's `documents_status` events.
import { t } from './i18n.js';

export function mountDocPanel(dh) {
  const list = document.getElementById('docs-list');
  const empty = document.getElementById('docs-empty');
  const render = () => {
    const docs = dh.documentsStatus || [];
    empty.hidden = docs.length > 0;
    list.replaceChildren(...docs.map((d) => {
      const li = document.createElement('li');
      li.dataset.doc = d.id;
      const title = document.createElement('b');
      title.textContent = d.version > 1 ? `${d.title} (v${d.version})` : d.title;
      const count = document.createElement('span');
      count.className = 'docs-count';
      count.textContent = ` ${d.held}/${d.total} ${t('docs.held')}`;
      li.append(title, count);
      if (d.missing_count > 0) {
        const miss = document.createElement('small');
        const more = d.missing_count > d.missing.length ? ` +${d.missing_count - d.missing.length}` : '';
        miss.textContent = `${t('docs.missing')}: ${d.missing.join(', ')}${more}`;
        li.append(document.createElement('br'), miss);
      }
      return li;
    }));
  };
  window.addEventListener('dh:change', render);
  render();
}
