// The chair's and operators' floor control: the raised hands in order, each with "give the floor",
// the floor holders, each with "take back", and "mute all". Filled from `floor` events.
// Markup (chair.html, operator.html): #queue, #queue-empty, #queue-count, #holders, #holders-empty,
// #holders-count, #mute-all.

import { onLangChange } from './i18n.js';
import { i18nButton, busyClick } from './buttons.js';
import { KeyedList, setText } from './listsync.js';
import { floorOf } from './eventdata.js';

const $ = (id) => document.getElementById(id);

function personList(container, { buttonKey, buttonClass, onClick }) {
  return new KeyedList(container, {
    key: (e) => e.site,
    create: (e) => {
      const el = document.createElement('li');
      el.dataset.site = e.site;
      const who = document.createElement('span');
      who.className = 'who';
      const name = document.createElement('b');
      const code = document.createElement('small');
      who.append(name, ' ', code);
      const btn = i18nButton(buttonKey, buttonClass);
      btn.dataset.site = e.site;
      btn.addEventListener('click', () => busyClick(btn, () => onClick(e.site)));
      el.append(who, btn);
      return { el, name, code };
    },
    update: (node, e) => {
      setText(node.name, e.name || e.site);
      setText(node.code, e.name && e.name !== e.site ? e.site : '');
      node.el.title = e.name && e.name !== e.site ? `${e.name} (${e.site})` : e.site;
    },
  });
}

// actions: { give(site), take(site), muteAll() } returning promises.
export function mountFloorPanel(actions) {
  const queue = personList($('queue'), { buttonKey: 'floor.give', buttonClass: 'primary small', onClick: actions.give });
  const holders = personList($('holders'), { buttonKey: 'floor.take', buttonClass: 'small', onClick: actions.take });
  let last = floorOf(null);
  const muteAll = $('mute-all');
  muteAll?.addEventListener('click', () => busyClick(muteAll, () => actions.muteAll()));

  const render = () => {
    queue.sync(last.queue);
    holders.sync(last.holders);
    $('queue-empty').hidden = last.queue.length > 0;
    $('holders-empty').hidden = last.holders.length > 0;
    setText($('queue-count'), last.queue.length ? `(${last.queue.length})` : '');
    setText($('holders-count'), last.holders.length ? `(${last.holders.length})` : '');
  };
  render();
  onLangChange(render);

  return {
    update(data) {
      last = floorOf(data);
      render();
    },
    get holders() {
      return last.holders;
    },
  };
}
