// Role boundaries of a commune-wide meeting, enforced by the hub whatever a page does: a site cannot
// give itself the floor, an observer cannot publish, a clerk cannot mute, a kicked site's token is
// dead. Protocol level (websocket and HTTP), no browser.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHub } from '../lib/server.mjs';
import { HubSocket } from '../lib/wsclient.mjs';
import { E2E_DIR } from '../lib/artifacts.mjs';

const OFFER = readFileSync(join(E2E_DIR, 'fixtures', 'publish-offer.sdp'), 'utf8');
const MEETING = 'e2e-roles';

function refused(reply, code, what) {
  assert.ok(reply.error, `${what}: expected ${code}, got ${JSON.stringify(reply).slice(0, 200)}`);
  assert.equal(reply.error.code, code, `${what}: ${JSON.stringify(reply.error)}`);
}

function ok(reply, what) {
  assert.ok(reply && 'result' in reply, `${what}: expected a result, got ${JSON.stringify(reply).slice(0, 200)}`);
  return reply.result;
}

describe('who may do what in a meeting', () => {
  let hub;
  const tokens = {};
  const sockets = {};

  async function joinAs(label, extra = {}) {
    const s = await HubSocket.connect(hub);
    ok(await s.request('join', { token: tokens[label], name: label, ...extra }), `${label} joins`);
    sockets[label] = s;
    return s;
  }

  before(async () => {
    hub = await startHub({ name: 'roles' });
    for (const [label, role, site] of [
      ['chair', 'chair'], ['operator', 'operator'], ['ba-dinh', 'site', 'ba-dinh'],
      ['tay-ho', 'site', 'tay-ho'], ['clerk', 'clerk'], ['observer', 'observer'],
    ]) tokens[label] = await hub.token({ meeting: MEETING, role, site });
    for (const label of Object.keys(tokens)) await joinAs(label);
  });

  after(async () => {
    for (const s of Object.values(sockets)) s.close();
    await hub?.stopClean();
  });

  it('a site cannot give itself the floor, mute everyone, kick, or choose a wall page', async () => {
    const site = sockets['ba-dinh'];
    refused(await site.request('floor_give', { site: 'ba-dinh' }), 'forbidden', 'site gives itself the floor');
    refused(await site.request('mute_all'), 'forbidden', 'site mutes all');
    refused(await site.request('kick', { site: 'tay-ho' }), 'forbidden', 'site kicks another');
    refused(await site.request('wall', { page: 0 }), 'forbidden', 'site asks for the wall');
    refused(await site.request('roll'), 'forbidden', 'site reads the roll');
  });

  it('trickle goes both ways: the hub sends its candidates after its answer, then null', async () => {
    const chair = sockets.chair;
    const answer = ok(await chair.request('publish', { sdp: OFFER }), 'chair publishes');
    assert.match(answer.sdp, /a=candidate:.* typ host/);
    const cand = await chair.waitMessage((m) => m.event === 'trickle' && m.data.target === 'publisher' && m.data.candidate,
      5_000, 'a hub candidate');
    assert.match(cand.data.candidate.candidate, /^candidate:\d+ 1 udp \d+ \S+ \d+ typ host$/);
    assert.equal(typeof cand.data.candidate.sdpMid, 'string');
    await chair.waitMessage((m) => m.event === 'trickle' && m.data.target === 'publisher' && m.data.candidate === null,
      5_000, 'end of candidates');
    ok(await chair.request('trickle', { target: 'publisher', candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 53211 typ host', sdpMid: '0' } }), 'client trickles');
    ok(await chair.request('trickle', { target: 'publisher', candidate: null }), 'client ends');
  });

  it('an observer and a clerk only watch: no publishing, no floor control', async () => {
    refused(await sockets.observer.request('publish', { sdp: OFFER }), 'forbidden', 'observer publishes');
    refused(await sockets.clerk.request('publish', { sdp: OFFER }), 'forbidden', 'clerk publishes');
    refused(await sockets.clerk.request('mute_all'), 'forbidden', 'clerk mutes all');
    refused(await sockets.observer.request('floor_take', { site: 'ba-dinh' }), 'forbidden', 'observer takes the floor');
    refused(await sockets.clerk.request('raise_hand'), 'forbidden', 'clerk raises a hand');
  });

  it('a participant learns the floor as it stands when it joins', async () => {
    const welcome = await sockets['ba-dinh'].waitMessage((m) => m.event === 'floor', 5_000, 'floor on join');
    assert.deepEqual(welcome.data.holders, []);
    assert.equal(welcome.data.floor, false);
    await sockets.chair.waitMessage((m) => m.event === 'speaker', 5_000, 'speaker on join');
  });

  it('hands queue in order; the chair gives the floor; everyone is told', async () => {
    const chair = sockets.chair;
    refused(await chair.request('raise_hand'), 'forbidden', 'chair raises a hand');
    refused(await chair.request('floor_give', { site: 'nowhere' }), 'not_present', 'floor to an absent site');
    assert.equal(ok(await sockets['tay-ho'].request('raise_hand'), 'tay-ho asks').position, 1);
    assert.equal(ok(await sockets['ba-dinh'].request('raise_hand'), 'ba-dinh asks').position, 2);
    const queued = await chair.waitMessage((m) => m.event === 'floor' && m.data.queue?.length === 2, 5_000, 'chair sees two hands');
    assert.deepEqual(queued.data.queue.map((q) => q.site), ['tay-ho', 'ba-dinh']);

    ok(await sockets.operator.request('floor_give', { site: 'ba-dinh' }), 'operator gives the floor');
    const mine = await sockets['ba-dinh'].waitMessage((m) => m.event === 'floor' && m.data.floor === true, 5_000, 'ba-dinh told it has the floor');
    assert.deepEqual(mine.data.holders.map((h) => h.site), ['ba-dinh']);
    const other = await sockets['tay-ho'].waitMessage((m) => m.event === 'floor' && m.data.holders?.length === 1, 5_000, 'tay-ho sees the holder');
    assert.equal(other.data.position, 1, 'tay-ho is still first in the queue');
    assert.ok(!('queue' in other.data), 'a site does not see the whole queue');

    const seen = sockets['ba-dinh'].messages.length;
    ok(await chair.request('mute_all'), 'chair mutes all');
    await sockets['ba-dinh'].waitMessage((m) => sockets['ba-dinh'].messages.indexOf(m) >= seen &&
      m.event === 'floor' && m.data.floor === false, 5_000, 'ba-dinh loses the floor');
  });

  it('a kicked site is disconnected and its token no longer works', async () => {
    const closed = sockets['tay-ho'].closed;
    const kicked = sockets['tay-ho'].waitMessage((m) => m.event === 'kicked', 5_000, 'kicked event');
    assert.equal(ok(await sockets.chair.request('kick', { site: 'tay-ho', reason: 'thử nghiệm' }), 'kick').disconnected, 1);
    assert.equal((await kicked).data.reason, 'thử nghiệm');
    assert.equal((await closed).code, 4001);
    const again = await HubSocket.connect(hub);
    refused(await again.request('join', { token: tokens['tay-ho'] }), 'revoked', 'kicked token rejoins');
    again.close();
  });

  it('a site that reconnects is one site: the old connection is replaced, the roll has one row', async () => {
    const old = sockets['ba-dinh'];
    const replaced = old.closed;
    const fresh = await joinAs('ba-dinh');
    assert.equal((await replaced).code, 4002, 'the older connection is closed as replaced');
    const rows = ok(await sockets.operator.request('roll'), 'roll').rows;
    const mine = rows.filter((r) => r.site === 'ba-dinh');
    assert.equal(mine.length, 1, `one roll row for ba-dinh: ${JSON.stringify(rows)}`);
    assert.equal(mine[0].state, 'present');
    assert.equal(mine[0].joins, 2);
    assert.ok(fresh);
  });

  it('the attendance route answers the chair, operators and clerks, as JSON and CSV', async () => {
    const url = `${hub.url}/api/meetings/${MEETING}/attendance`;
    const as = (label) => ({ headers: { authorization: `Bearer ${tokens[label]}` } });
    assert.equal((await fetch(url)).status, 401, 'no token');
    assert.equal((await fetch(url, as('ba-dinh'))).status, 403, 'a site token');
    const json = await (await fetch(url, as('clerk'))).json();
    assert.ok(json.rows.some((r) => r.site === 'ba-dinh' && r.state === 'present'), JSON.stringify(json));
    const csv = await fetch(`${url}?format=csv`, as('chair'));
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type'), /text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    assert.equal(lines[0], 'site,name,state,first_joined,last_left,seconds_present,joins');
    assert.ok(lines.some((l) => l.startsWith('ba-dinh,')), lines.join('\n'));
    const other = await hub.token({ meeting: 'another', role: 'chair' });
    assert.equal((await fetch(url, { headers: { authorization: `Bearer ${other}` } })).status, 403, 'another meeting');
  });
});
