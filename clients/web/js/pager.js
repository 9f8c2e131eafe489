// Page buttons for the wall: ‹ Trang 2/13 ›. The page changes only when the hub accepted it.
// Markup: <span class="pager" id=...><button data-step="-1"></button><span class="page-label"></span>
// <button data-step="1"></button></span>

import { t, onLangChange } from './i18n.js';

// go(n) -> Promise of the `wall` reply ({ page, pages, size }).
export function mountPager(root, { go }) {
  if (!root) return { set() {}, get page() { return 0; }, get pages() { return 0; }, hide() {} };
  const label = root.querySelector('.page-label');
  const prev = root.querySelector('[data-step="-1"]');
  const next = root.querySelector('[data-step="1"]');
  const st = { page: 0, pages: 0, busy: false };

  const render = () => {
    label.textContent = st.pages ? t('wall.page', { n: st.page + 1, total: st.pages }) : t('wall.page.none');
    prev.disabled = st.busy || st.page <= 0;
    next.disabled = st.busy || !st.pages || st.page >= st.pages - 1;
  };

  const step = (d) => {
    const want = st.page + d;
    if (want < 0 || (st.pages && want >= st.pages)) return;
    st.busy = true;
    render();
    Promise.resolve()
      .then(() => go(want))
      .catch(() => {
        /* the status line has it */
      })
      .finally(() => {
        st.busy = false;
        render();
      });
  };
  prev.addEventListener('click', () => step(-1));
  next.addEventListener('click', () => step(1));
  onLangChange(render);
  render();

  return {
    // From a `wall` reply (whoever asked).
    set(page, pages) {
      if (typeof page === 'number') st.page = page;
      if (typeof pages === 'number') st.pages = pages;
      root.hidden = false;
      render();
    },
    // The list of sites is known (wall event) but no reply gave the count yet.
    guessPages(pages) {
      if (!st.pages && pages > 0) {
        st.pages = pages;
        render();
      }
    },
    hide() {
      root.hidden = true;
    },
    get page() {
      return st.page;
    },
    get pages() {
      return st.pages;
    },
  };
}
