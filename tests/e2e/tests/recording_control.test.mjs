// Who may start and stop a recording, and who is told: at the protocol level (no media), so that
// every rule is checked in a few seconds. The recordings themselves are tested with real browsers
// in recording.test.mjs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHub } from '../lib/server.mjs';
import { HubSocket } from '../lib/wsclient.mjs';
import { api, createStoredMeeting } from '../lib/recording.mjs';

function ok(reply, what) {
  assert.ok(reply && 'result' in reply, `${what}: expected a result, got ${JSON.stringify(reply)}`);
  return reply.result;
}

function refused(reply, code, what) {
  assert.ok(reply && reply.error, `${what}: expected an error, got ${JSON.stringify(reply)}`);
  assert.equal(reply.error.code, code, `${what}: error code`);
}

const recordingEvent = (pred) => (m) => m && m.event === 'recording' && pred(m.data);

describe('starting and stopping a recording', () => {
  let hub;
  let meeting;
  const tokens = {};
  const sockets = {};

  async function joinAs(label) {
    const s = await HubSocket.connect(hub);
    ok(await s.request('join', { token: tokens[label], name: label }), `${label} joins`);
    sockets[label] = s;
    return s;
  }

  before(async () => {
    hub = await startHub({ name: 'recording-control' });
    ({ id: meeting } = await createStoredMeeting(hub, { title: 'Giao ban ghi hình', sites: ['ba-dinh', 'tay-ho'] }));
    for (const [label, role, site] of [
      ['chair', 'chair'], ['operator', 'operator'], ['ba-dinh', 'site', 'ba-dinh'], ['clerk', 'clerk'],
    ]) tokens[label] = await hub.token({ meeting, role, site });
    tokens.other = await hub.token({ meeting: 'another-meeting', role: 'chair' });
    for (const label of ['chair', 'operator', 'ba-dinh', 'clerk']) await joinAs(label);
  });

  after(async () => {
    for (const s of Object.values(sockets)) s.close();
    await hub?.stopClean();
  });

  it('everyone learns on join that the meeting is not recorded', async () => {
    for (const s of Object.values(sockets)) {
      await s.waitMessage(recordingEvent((d) => d.active === false), 5_000, 'recording event on join');
    }
  });

  it('a site and a clerk may not record; the refusal is audited', async () => {
    refused(await sockets['ba-dinh'].request('recording_start'), 'forbidden', 'site starts');
    refused(await sockets.clerk.request('recording_start'), 'forbidden', 'clerk starts');
    const http = await api(hub, 'POST', `/api/meetings/${meeting}/recording/start`, tokens['ba-dinh'], {});
    assert.equal(http.status, 403, 'site over HTTP');
    const foreign = await api(hub, 'POST', `/api/meetings/${meeting}/recording/start`, tokens.other, {});
    assert.equal(foreign.status, 403, 'chair of another meeting');
    const anon = await api(hub, 'POST', `/api/meetings/${meeting}/recording/start`, null, {});
    assert.equal(anon.status, 401, 'no token');
    const status = await api(hub, 'GET', `/api/meetings/${meeting}/recording`, tokens['ba-dinh']);
    assert.equal(status.status, 200);
    assert.equal(status.json.active, false, 'nothing was started by the refused requests');
  });

  it('the chair starts over the websocket: everyone sees it, a second start conflicts', async () => {
    const waits = Object.values(sockets).map((s) =>
      s.waitMessage(recordingEvent((d) => d.active === true), 5_000, 'recording active event'));
    const r = ok(await sockets.chair.request('recording_start'), 'chair starts');
    assert.match(r.recording, /^r-[A-Za-z0-9]{16}$/);
    for (const ev of await Promise.all(waits)) assert.equal(ev.data.recording, r.recording);
    refused(await sockets.operator.request('recording_start'), 'conflict', 'second start');
    // /metrics says so too, beside the endpoints by state and the per-worker lines.
    const metrics = await (await fetch(`${hub.url}/metrics`)).text();
    assert.match(metrics, /^dienhong_recordings_active 1$/m);
    assert.match(metrics, /^dienhong_endpoints\{state="joining"\} 4$/m, 'four endpoints joined, none with media');
    assert.match(metrics, /^dienhong_worker_forwarded\{worker="0"\} \d+$/m);
    assert.match(metrics, /^dienhong_layer_switches_total \d+$/m);
    const again = await api(hub, 'POST', `/api/meetings/${meeting}/recording/start`, tokens.chair, {});
    assert.equal(again.status, 409);
    // Its files are where docs/recording.md says, under the hub's own id.
    const dir = join(hub.dataDir, 'recordings', r.recording);
    assert.ok(existsSync(join(dir, 'timeline.jsonl')), 'timeline.jsonl exists');
    assert.ok(existsSync(join(dir, 'journals')), 'journals/ exists');
    const first = JSON.parse(readFileSync(join(dir, 'timeline.jsonl'), 'utf8').split('\n')[0]);
    assert.equal(first.type, 'start');
    assert.equal(first.title, 'Giao ban ghi hình');
  });

  it('an operator stops it over HTTP: everyone sees it stop, the store keeps the recording', async () => {
    const waits = Object.values(sockets).map((s) =>
      s.waitMessage(recordingEvent((d) => d.active === false && d.reason === 'operator'), 5_000, 'recording stopped event'));
    const res = await api(hub, 'POST', `/api/meetings/${meeting}/recording/stop`, tokens.operator, {});
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.active, false);
    await Promise.all(waits);
    const again = await api(hub, 'POST', `/api/meetings/${meeting}/recording/stop`, tokens.operator, {});
    assert.equal(again.status, 409, 'stopping twice conflicts');
  });
});

describe('a meeting set to record from the start', () => {
  it('is recorded as soon as the chair joins, once per run', async () => {
    const hub = await startHub({ name: 'recording-auto' });
    const sockets = [];
    try {
      const admin = await hub.token({ meeting: '_hub', role: 'admin' });
      const csv = 'code,name,district\r\nba-dinh,Ba Đình,Ba Đình\r\n';
      assert.equal((await api(hub, 'POST', '/api/sites', admin, csv)).status, 200);
      const created = await api(hub, 'POST', '/api/meetings', admin,
        { title: 'Tự ghi hình', sites: ['ba-dinh'], record_on_start: true });
      assert.equal(created.status, 201, created.text);
      const meeting = created.json.id;
      const chair = await HubSocket.connect(hub);
      sockets.push(chair);
      const seen = chair.waitMessage(recordingEvent((d) => d.active === true), 5_000, 'recording active on join');
      ok(await chair.request('join', { token: await hub.token({ meeting, role: 'chair' }), name: 'Chủ tọa' }), 'chair joins');
      const ev = await seen;
      const status = await api(hub, 'GET', `/api/meetings/${meeting}/recording`, await hub.token({ meeting, role: 'site', site: 'ba-dinh' }));
      assert.equal(status.json.recording, ev.data.recording);
      // The chair stops it; joining again in the same run does not start it again.
      ok(await chair.request('recording_stop'), 'chair stops');
      chair.close();
      const back = await HubSocket.connect(hub);
      sockets.push(back);
      const reply = await back.request('join', { token: await hub.token({ meeting, role: 'chair' }), name: 'Chủ tọa' });
      ok(reply, 'chair joins again');
      const state = await back.waitMessage(recordingEvent(() => true), 5_000, 'recording event');
      assert.equal(state.data.active, false, 'a stopped recording stays stopped');
    } finally {
      for (const s of sockets) s.close();
      await hub.stopClean();
    }
  });
});
