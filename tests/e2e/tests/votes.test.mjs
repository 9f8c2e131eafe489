// The chair presents a document and turns its pages; a late site lands on the presenter's page. A
// vote with three sites, one of which tries to vote twice; the tally, the result to everyone, and
// the stored record. Protocol level (websocket and HTTP).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHub } from '../lib/server.mjs';
import { HubSocket } from '../lib/wsclient.mjs';
import { makePdf } from '../lib/pdf.mjs';

const MEETING = 'e2e-votes';
const SITES = ['ba-dinh', 'hoan-kiem', 'tay-ho'];

const ok = (reply, what) => {
  assert.ok(reply && 'result' in reply, `${what}: ${JSON.stringify(reply).slice(0, 200)}`);
  return reply.result;
};
const refused = (reply, code, what) => assert.equal(reply.error?.code, code, `${what}: ${JSON.stringify(reply)}`);
/** The next message matching pred that arrives after `from` messages were already seen. */
const next = (sock, from, pred, what) => sock.waitMessage((m) => sock.messages.indexOf(m) >= from && pred(m), 5_000, what);

describe('presenting and votes', () => {
  let hub, chair, clerk, doc;
  const sites = {};
  const tokens = {};

  before(async () => {
    hub = await startHub({ name: 'votes' });
    tokens.chair = await hub.token({ meeting: MEETING, role: 'chair' });
    tokens.clerk = await hub.token({ meeting: MEETING, role: 'clerk' });
    for (const s of SITES.concat(['long-bien'])) tokens[s] = await hub.token({ meeting: MEETING, role: 'site', site: s });
    chair = await HubSocket.connect(hub);
    ok(await chair.request('join', { token: tokens.chair }), 'chair joins');
    clerk = await HubSocket.connect(hub);
    ok(await clerk.request('join', { token: tokens.clerk }), 'clerk joins');
    for (const s of SITES) {
      sites[s] = await HubSocket.connect(hub);
      ok(await sites[s].request('join', { token: tokens[s] }), `${s} joins`);
    }
    const res = await fetch(`${hub.url}/api/meetings/${MEETING}/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.chair}`, 'content-type': 'application/pdf', 'x-document-title': 'Nghi quyet' },
      body: makePdf(6),
    });
    doc = await res.json();
    assert.equal(res.status, 201);
  });

  after(async () => {
    for (const s of [chair, clerk, ...Object.values(sites)]) s?.close();
    await hub?.stopClean();
  });

  it('the chair presents and turns the pages; everyone follows; a late site lands on the page', async () => {
    refused(await sites['ba-dinh'].request('present', { document: doc.id, page: 1 }), 'forbidden', 'a site presents');
    refused(await chair.request('present', { document: 'd-guessedguessed00', page: 1 }), 'not_found', 'a guessed document');
    const seen = sites['tay-ho'].messages.length;
    ok(await chair.request('present', { document: doc.id, page: 1 }), 'present');
    const p1 = await next(sites['tay-ho'], seen, (m) => m.event === 'presenting' && m.data, 'presenting page 1');
    assert.deepEqual([p1.data.document, p1.data.page], [doc.id, 1]);
    ok(await chair.request('present_page', { page: 3 }), 'turn to page 3');
    for (const s of SITES) await next(sites[s], seen, (m) => m.event === 'presenting' && m.data?.page === 3, `${s} on page 3`);
    const late = await HubSocket.connect(hub);
    ok(await late.request('join', { token: tokens['long-bien'] }), 'late site joins');
    const onJoin = await late.waitMessage((m) => m.event === 'presenting', 5_000, 'presenting on join');
    assert.equal(onJoin.data.page, 3);
    late.close();
  });

  it('a vote: each site once, the tally live, the result to all and stored', async () => {
    refused(await sites['ba-dinh'].request('vote_open', { question: 'Tôi tự mở?' }), 'forbidden', 'a site opens a vote');
    const vote = ok(await chair.request('vote_open', { question: 'Thông qua nghị quyết?' }), 'vote_open').vote;
    assert.match(vote, /^v-/);
    refused(await chair.request('vote_open', { question: 'Hai?' }), 'bad_request', 'a second open vote');
    await sites['ba-dinh'].waitMessage((m) => m.event === 'vote' && m.data.id === vote && m.data.state === 'open', 5_000, 'vote open event');

    const tallySeen = chair.messages.length;
    ok(await sites['ba-dinh'].request('vote_cast', { vote, choice: 'agree' }), 'ba-dinh agrees');
    refused(await sites['ba-dinh'].request('vote_cast', { vote, choice: 'disagree' }), 'already_voted', 'ba-dinh votes twice');
    ok(await sites['hoan-kiem'].request('vote_cast', { vote, choice: 'agree' }), 'hoan-kiem agrees');
    ok(await sites['tay-ho'].request('vote_cast', { vote, choice: 'abstain' }), 'tay-ho abstains');
    refused(await clerk.request('vote_cast', { vote, choice: 'agree' }), 'forbidden', 'a clerk votes');
    refused(await sites['tay-ho'].request('vote_cast', { vote, choice: 'maybe' }), 'bad_request', 'a bad choice');
    await next(chair, tallySeen, (m) => m.event === 'vote_tally' && m.data.voted === 3, 'the chair sees 3 votes');

    const closedSeen = sites['hoan-kiem'].messages.length;
    ok(await chair.request('vote_close', { vote }), 'vote_close');
    const closed = await next(sites['hoan-kiem'], closedSeen, (m) => m.event === 'vote' && m.data.state === 'closed', 'result to a site');
    assert.deepEqual(closed.data.result, { agree: 2, disagree: 0, abstain: 1, voted: 3, eligible: 4 });
    refused(await sites['tay-ho'].request('vote_cast', { vote, choice: 'agree' }), 'vote_closed', 'a ballot after the close');

    const res = await fetch(`${hub.url}/api/meetings/${MEETING}/votes`, { headers: { authorization: `Bearer ${tokens.clerk}` } });
    assert.equal(res.status, 200);
    const stored = (await res.json()).votes.find((v) => v.id === vote);
    assert.equal(stored.result.agree, 2);
    assert.deepEqual(stored.ballots.map((b) => `${b.site}:${b.choice}`), ['ba-dinh:agree', 'hoan-kiem:agree', 'tay-ho:abstain']);
    const forbidden = await fetch(`${hub.url}/api/meetings/${MEETING}/votes`, { headers: { authorization: `Bearer ${tokens['tay-ho']}` } });
    assert.equal(forbidden.status, 403);
  });

  it('the agenda: the chair sets it and moves on; everyone sees the current item', async () => {
    const items = [{ title: 'Báo cáo quý III', presenter: 'Sở Kế hoạch' }, { title: 'Phòng chống bão', presenter: 'Sở Nông nghiệp' }];
    refused(await sites['ba-dinh'].request('agenda_set', { items }), 'forbidden', 'a site sets the agenda');
    const seen = sites['tay-ho'].messages.length;
    ok(await chair.request('agenda_set', { items }), 'agenda_set');
    const a0 = await next(sites['tay-ho'], seen, (m) => m.event === 'agenda' && m.data.items.length === 2, 'agenda to a site');
    assert.equal(a0.data.current, 0);
    assert.deepEqual(a0.data.items.map((i) => i.id), ['i1', 'i2']);
    ok(await chair.request('agenda_go', { index: 1 }), 'next item');
    await next(sites['tay-ho'], seen, (m) => m.event === 'agenda' && m.data.current === 1, 'current item 1');
    refused(await chair.request('agenda_go', { index: 5 }), 'bad_request', 'no such item');
  });

  it('the meeting record holds the agenda, the documents with hashes, the votes and the roll', async () => {
    const res = await fetch(`${hub.url}/api/meetings/${MEETING}/record`, { headers: { authorization: `Bearer ${tokens.clerk}` } });
    assert.equal(res.status, 200);
    const rec = await res.json();
    assert.equal(rec.agenda.length, 2);
    assert.equal(rec.documents[0].sha256, doc.sha256);
    assert.equal(rec.votes[0].result.agree, 2);
    assert.equal(rec.votes[0].ballots.length, 3);
    assert.ok(rec.attendance.some((r) => r.site === 'ba-dinh' && r.state === 'present'), JSON.stringify(rec.attendance));
    const siteRes = await fetch(`${hub.url}/api/meetings/${MEETING}/record`, { headers: { authorization: `Bearer ${tokens['ba-dinh']}` } });
    assert.equal(siteRes.status, 403);
  });
});
