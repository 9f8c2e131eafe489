// Meetings and sites as the city hall's IT staff manage them: 579 communes imported from a CSV, a
// meeting created for all of them and its tokens minted over the authenticated API; the operator
// wall shows every site; all of it, and a kick, survive a restart of the hub.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub } from '../lib/server.mjs';
import { HubSocket } from '../lib/wsclient.mjs';
import { E2E_DIR, artifactPath } from '../lib/artifacts.mjs';
import { launchBrowser } from '../lib/browser.mjs';

const CSV = readFileSync(join(E2E_DIR, 'fixtures', 'sites-579.csv'));

async function api(hub, method, path, token, body, type = 'application/json') {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  if (body !== undefined) headers['content-type'] = type;
  const res = await fetch(`${hub.url}${path}`, {
    method, headers, body: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

test('579 sites, one meeting, the operator wall, and a restart', { timeout: 180_000 }, async () => {
  // The data directory is ours, so that it outlives the first hub.
  const dataDir = mkdtempSync(join(tmpdir(), 'dienhong-e2e-restart-'));
  let hub = await startHub({ name: 'meetings-api', dataDir });
  const { port } = hub;
  let browser;
  try {
    const admin = await hub.token({ meeting: '_hub', role: 'admin' });
    const notAdmin = await hub.token({ meeting: 'x', role: 'chair' });

    // Only an admin manages; a bad CSV is refused with its line and imports nothing.
    assert.equal((await api(hub, 'POST', '/api/sites', null, CSV, 'text/csv')).status, 401);
    assert.equal((await api(hub, 'POST', '/api/sites', notAdmin, CSV, 'text/csv')).status, 403);
    const bad = await api(hub, 'POST', '/api/sites', admin, 'code,name,district\r\nok-1,A,B\r\nBAD CODE,C,D\r\n', 'text/csv');
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /line 3/);
    const imported = await api(hub, 'POST', '/api/sites', admin, CSV, 'text/csv');
    assert.equal(imported.status, 200, imported.text);
    assert.equal(imported.json.rows, 579);
    assert.equal(imported.json.inserted, 579, 'the bad import left nothing behind');

    const created = await api(hub, 'POST', '/api/meetings', admin, { title: 'Hội nghị trực tuyến toàn thành phố', sites: 'all' });
    assert.equal(created.status, 201, created.text);
    const id = created.json.id;
    assert.match(id, /^m-[A-Za-z0-9]{12}$/, 'meeting ids are opaque');
    const mint = async (role, site) => (await api(hub, 'POST', `/api/meetings/${id}/tokens`, admin, { role, site })).json;
    const opTok = (await mint('operator')).token;
    const siteTok = (await mint('site', 'site-042')).token;
    assert.equal((await api(hub, 'POST', `/api/meetings/${id}/tokens`, admin, { role: 'site', site: 'nowhere' })).status, 400);
    assert.equal((await api(hub, 'GET', `/api/meetings/${id}`, notAdmin)).status, 404, "another meeting's token cannot read it");

    // The operator wall lists all 579 invited sites, rendered, absent until they come.
    browser = await launchBrowser({ testName: 'meetings-api' });
    const page = await browser.open('operator', `${hub.url}/operator.html#token=${encodeURIComponent(opTok)}`);
    await page.waitForFunction(() => (window.dh.wall || []).length === 579, undefined, { timeout: 20_000 });
    const rows = await page.evaluate(() => document.querySelectorAll('.wall-row').length);
    assert.equal(rows, 579, 'every site has its row on the wall');
    await page.screenshot({ path: artifactPath('meetings-api-operator-wall.png'), fullPage: false });

    // A site comes, is kicked; the roll and the revocation are in the store.
    const site = await HubSocket.connect(hub);
    assert.ok('result' in await site.request('join', { token: siteTok }));
    const op = await HubSocket.connect(hub);
    assert.ok('result' in await op.request('join', { token: opTok }));
    assert.equal((await op.request('kick', { site: 'site-042', reason: 'kiểm tra' })).result.disconnected, 1);
    op.close();
    await browser.close();
    browser = null;
    await hub.stopClean();

    // Restart on the same data directory.
    hub = await startHub({ name: 'meetings-api-restart', dataDir, port });
    const again = await api(hub, 'GET', `/api/meetings/${id}`, admin);
    assert.equal(again.status, 200);
    assert.equal(again.json.title, 'Hội nghị trực tuyến toàn thành phố');
    const roll = await api(hub, 'GET', `/api/meetings/${id}/attendance`, opTok);
    assert.equal(roll.json.rows.length, 579);
    const mine = roll.json.rows.find((r) => r.site === 'site-042');
    assert.equal(mine.joins, 1, JSON.stringify(mine));
    const back = await HubSocket.connect(hub);
    assert.equal((await back.request('join', { token: siteTok })).error?.code, 'revoked', 'a kick outlives a restart');
    back.close();
  } finally {
    if (browser) await browser.close();
    await hub.stopClean();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
