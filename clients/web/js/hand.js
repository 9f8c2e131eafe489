// A site's "request to speak": the #hand button toggles raise_hand / lower_hand; #floor-state says
// the place in the queue, or that the site holds the floor. State comes from the `floor` events
// (holders, hand, position) and from the replies.

import { t, onLangChange } from './i18n.js';
import { floorOf } from './eventdata.js';

const $ = (id) => document.getElementById(id);

// actions: { raise(), lower() } returning promises. onFloor(bool) when holding the floor changes.
export function mountHand({ actions, onFloor = () => {} }) {
  const btn = $('hand');
  const stateEl = $('floor-state');
  const st = { site: null, hand: false, position: 0, floor: false, busy: false };

  const render = () => {
    if (!btn) return;
    let key = 'hand.raise';
    if (st.floor) key = 'hand.floor';
    else if (st.hand) key = 'hand.lower';
    btn.textContent = t(key);
    btn.disabled = st.busy || st.floor || !st.site;
    btn.setAttribute('aria-pressed', String(st.hand && !st.floor));
    btn.classList.toggle('primary', !st.hand && !st.floor);
    let text = '';
    let state = 'idle';
    if (st.floor) {
      text = t('floor.yours');
      state = 'floor';
    } else if (st.hand) {
      text = st.position > 0 ? t('hand.position', { n: st.position }) : t('hand.raised');
      state = 'hand';
    }
    if (stateEl) {
      stateEl.textContent = text;
      stateEl.dataset.state = state;
      stateEl.hidden = !text;
    }
    document.body.dataset.floor = state;
  };

  const setFloor = (floor) => {
    const changed = floor !== st.floor;
    st.floor = floor;
    if (changed) onFloor(floor);
  };

  btn?.addEventListener('click', () => {
    if (st.busy || st.floor) return;
    st.busy = true;
    render();
    (st.hand ? actions.lower() : actions.raise())
      .catch(() => {
        /* shown in the status line */
      })
      .finally(() => {
        st.busy = false;
        render();
      });
  });
  onLangChange(render);
  render();

  return {
    // Our site code, from the join result (the button waits for it).
    setSite(site) {
      st.site = site || null;
      render();
    },
    onFloorEvent(data) {
      const f = floorOf(data);
      if (data && typeof data === 'object' && 'hand' in data) st.hand = f.hand;
      if (data && typeof data === 'object' && 'position' in data) st.position = f.position;
      if (!st.hand) st.position = 0;
      // The hub also says `floor: true|false` to a site about itself; the holders list says it too.
      const mine = data && typeof data === 'object' && typeof data.floor === 'boolean' ? data.floor : false;
      setFloor(mine || (!!st.site && f.holders.some((h) => h.site === st.site)));
      render();
    },
    onReply(type, result) {
      if (type === 'raise_hand') {
        st.hand = true;
        st.position = result && typeof result.position === 'number' ? result.position : st.position;
      } else if (type === 'lower_hand') {
        st.hand = false;
        st.position = 0;
      }
      render();
    },
    get state() {
      return { ...st };
    },
  };
}
