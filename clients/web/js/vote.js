// Votes (biểu quyết), on the site, chair and operator pages.
//  site:     while a vote is open, the question and three buttons (agree / disagree / abstain); a
//            click sends vote_cast, then the buttons lock and show the choice; once closed, the result.
//  chair:    a form to open a vote, the live tally (`vote_tally`), "end the vote"; the result.
//  operator: the question and the live tally, read only.
//
// Test hooks (window.dh):
//   dh.vote       latest `vote` event data ({ id, question, item, state, result? }) or null
//   dh.voteTally  latest `vote_tally` event data or null (null again when another vote opens)
//   dh.voteChoice the choice this page cast in the current vote (site), or null
//   dh.voteCast(choice)  dh.voteOpen(question, item?)  dh.voteClose()   requests to the hub; resolve
//                 with its result, reject with { code, message }

import { t, onLangChange, errorLabel, has } from './i18n.js';
import { el } from './dom.js';
import { panelCall } from './panelcall.js';

export const CHOICES = ['agree', 'disagree', 'abstain'];



const num = (v) => (Number.isFinite(Number(v)) ? Number(v) : 0);

export function voteErrorText(err) {
  const code = err && err.code ? err.code : 'internal';
  if (has(`vote.err.${code}`)) return t(`vote.err.${code}`);
  return `${errorLabel(code)}${err && err.message ? ': ' + err.message : ''}`;
}

// page: 'site' | 'chair' | 'operator'
export function mountVote({ dh, session, root, page }) {
  dh.vote = null;
  dh.voteTally = null;
  dh.voteChoice = null;
  if (!root) root = el('section');
  root.classList.add('panel', 'vote-panel');
  root.hidden = page === 'site'; // a site sees the panel only when there is a vote
  root.dataset.state = 'none';

  let choice = null; // what this site cast in the current vote
  let choiceVote = null; // ... and in which vote
  let lastError = null;
  let busy = false;

  // ---- DOM -----------------------------------------------------------------------------------
  const title = el('h2', { class: 'panel-title vote-title' });
  const question = el('p', { class: 'vote-question' });
  const stateLine = el('p', { class: 'vote-state' });
  const buttons = CHOICES.map((c) =>
    el('button', { type: 'button', class: `vote-btn vote-${c}`, 'data-choice': c, 'aria-pressed': 'false' }),
  );
  const buttonRow = el('div', { class: 'vote-buttons' }, ...buttons);
  const tally = el('dl', { class: 'vote-tally' });
  const msg = el('p', { class: 'vote-msg', hidden: true });
  msg.setAttribute('role', 'status');
  msg.setAttribute('aria-live', 'polite');
  // chair: open form + close button
  const qInput = el('input', { type: 'text', class: 'vote-input', maxLength: 500, autocomplete: 'off' });
  const openBtn = el('button', { type: 'submit', class: 'primary vote-open' });
  const form = el('form', { class: 'vote-form' }, qInput, openBtn);
  const closeBtn = el('button', { type: 'button', class: 'danger vote-close', hidden: true });
  const noVote = el('p', { class: 'empty vote-none' });

  root.replaceChildren(title, noVote, question, stateLine);
  if (page === 'site') root.append(buttonRow);
  root.append(tally);
  if (page === 'chair') root.append(closeBtn, form);
  root.append(msg);

  // ---- rendering ------------------------------------------------------------------------------
  function counts() {
    const v = dh.vote;
    if (v && v.state === 'closed' && v.result) return v.result;
    const tl = dh.voteTally;
    if (v && tl && (!tl.vote || tl.vote === v.id)) return tl;
    return null;
  }

  function renderTally() {
    const c = counts();
    const v = dh.vote;
    const show = !!c && (page !== 'site' || (v && v.state === 'closed'));
    tally.hidden = !show;
    if (!show) return;
    const rows = [
      ['agree', num(c.agree)],
      ['disagree', num(c.disagree)],
      ['abstain', num(c.abstain)],
    ];
    const kids = [];
    for (const [k, n] of rows) {
      kids.push(el('dt', { class: `t-${k}` }, t(`vote.${k}`)), el('dd', { class: `t-${k}`, 'data-key': k }, String(n)));
    }
    kids.push(
      el('dt', { class: 't-voted' }, t('vote.voted')),
      el('dd', { class: 't-voted', 'data-key': 'voted' }, t('vote.of', { voted: num(c.voted), eligible: num(c.eligible) })),
    );
    tally.replaceChildren(...kids);
  }

  function render() {
    const v = dh.vote;
    const open = !!v && v.state === 'open';
    root.dataset.state = v ? v.state : 'none';
    if (page === 'site') root.hidden = !v;
    title.textContent = open ? t('vote.title.open') : v ? t('vote.title.closed') : t('vote.title');
    noVote.textContent = t('vote.none');
    noVote.hidden = !!v;
    question.textContent = v ? v.question || '' : '';
    question.hidden = !v;

    const mine = v && choiceVote === v.id ? choice : null;
    buttons.forEach((b) => {
      const c = b.dataset.choice;
      b.textContent = t(`vote.${c}`);
      b.disabled = !open || choiceVote === v.id || busy; // voted (or already_voted): locked
      b.setAttribute('aria-pressed', mine === c ? 'true' : 'false');
    });
    buttonRow.hidden = !open;

    let line = '';
    if (v && !open) line = t('vote.closed');
    else if (open && page === 'site')
      line = mine ? t('vote.cast', { choice: t(`vote.${mine}`) }) : choiceVote === v.id ? t('vote.err.already_voted') : t('vote.ask');
    else if (open) line = t('vote.live');
    stateLine.textContent = line;
    stateLine.hidden = !line;
    stateLine.dataset.choice = mine || '';

    if (page === 'chair') {
      qInput.placeholder = t('vote.question.placeholder');
      qInput.setAttribute('aria-label', t('vote.question'));
      openBtn.textContent = t('vote.open');
      closeBtn.textContent = t('vote.close');
      closeBtn.hidden = !open;
      closeBtn.disabled = busy;
      form.hidden = open;
      openBtn.disabled = busy;
    }
    msg.hidden = !lastError;
    msg.textContent = lastError ? voteErrorText(lastError) : '';
    msg.dataset.code = lastError ? lastError.code : '';
    renderTally();
  }

  // ---- events ---------------------------------------------------------------------------------
  session.on('vote', (d) => {
    const v = d && typeof d === 'object' ? d : null;
    if (v && dh.vote && v.id !== dh.vote.id) {
      lastError = null;
      if (dh.voteTally && dh.voteTally.vote !== v.id) dh.set('voteTally', null);
    }
    if (v && choiceVote !== v.id) {
      choice = null;
      choiceVote = null;
      dh.set('voteChoice', null);
    }
    if (v && v.state === 'closed') lastError = null;
    dh.set('vote', v);
    render();
  });
  session.on('vote_tally', (d) => {
    dh.set('voteTally', d && typeof d === 'object' ? d : null);
    render();
  });
  onLangChange(render);

  // ---- requests -------------------------------------------------------------------------------
  const call = panelCall(session, dh, {
    setBusy: (b) => {
      busy = b;
    },
    setError: (e) => {
      lastError = e;
    },
    render, quiet: ['already_voted'],
  });

  const currentId = () => (dh.vote && dh.vote.id) || (dh.voteTally && dh.voteTally.vote) || '';

  const fns = {
    voteCast(c) {
      const id = currentId();
      if (!CHOICES.includes(c)) return Promise.reject({ code: 'bad_request', message: `choice: ${c}` });
      if (!id) return Promise.reject({ code: 'no_vote', message: 'no vote is open' });
      return call('vote_cast', { vote: id, choice: c }).then(
        (r) => {
          choice = c;
          choiceVote = id;
          dh.set('voteChoice', c);
          render();
          return r;
        },
        (err) => {
          if (err.code === 'already_voted') {
            // Voted before (another window, before a reconnect): the buttons lock.
            choiceVote = id;
            render();
          }
          throw err;
        },
      );
    },
    voteOpen(q, item) {
      const fields = { question: String(q || '') };
      if (item) fields.item = String(item);
      return call('vote_open', fields);
    },
    voteClose() {
      const id = currentId();
      if (!id) return Promise.reject({ code: 'no_vote', message: 'no vote is open' });
      return call('vote_close', { vote: id });
    },
  };
  for (const [name, value] of Object.entries(fns)) Object.defineProperty(dh, name, { value, configurable: true });

  buttons.forEach((b) => b.addEventListener('click', () => fns.voteCast(b.dataset.choice).catch(() => {})));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = qInput.value.trim();
    if (!q) {
      qInput.focus();
      return;
    }
    fns.voteOpen(q).then(() => (qInput.value = '')).catch(() => {});
  });
  closeBtn.addEventListener('click', () => fns.voteClose().catch(() => {}));

  render();
  return fns;
}
