// Paperless meeting, distribution: the chair uploads a multi-page PDF; every site's page fetches
// it in the background and says so before anyone presents it; the chair sees 3/3; a site that joins
// late gets it too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { withSession, meetingPageUrl } from '../lib/meeting.mjs';
import { makePdf } from '../lib/pdf.mjs';
import { artifactPath } from '../lib/artifacts.mjs';

const SITES = ['ba-dinh', 'hoan-kiem', 'tay-ho'];

async function until(page, fn, arg, what, timeout = 20_000) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 250 });
  } catch {
    const dh = await page.evaluate(() => ({ docs: window.dh.documents, status: window.dh.documentsStatus, errors: window.dh.errors })).catch(() => null);
    throw new Error(`not within ${timeout} ms: ${what}\n  ${JSON.stringify(dh).slice(0, 800)}`);
  }
}

test('a document reaches every site before it is presented', { timeout: 180_000 }, async () => {
  await withSession('documents', async ({ hub, browser }) => {
    const meeting = 'e2e-docs';
    const chairTok = await hub.token({ meeting, role: 'chair' });
    const siteTok = Object.fromEntries(await Promise.all(SITES.concat(['long-bien']).map(async (s) => [s, await hub.token({ meeting, role: 'site', site: s })])));
    const chair = await browser.open('chair', meetingPageUrl(hub, 'chair', { token: chairTok, name: 'Chủ tọa' }));
    const opTok = await hub.token({ meeting, role: 'operator' });
    const operator = await browser.open('operator', meetingPageUrl(hub, 'operator', { token: opTok, name: 'Điều hành' }));
    const sites = {};
    for (const s of SITES) sites[s] = await browser.open(`site-${s}`, meetingPageUrl(hub, 'site', { token: siteTok[s], name: s }));
    for (const s of SITES) await until(sites[s], () => window.dh.state === 'publishing' || window.dh.state === 'joined', undefined, `${s} joined`);

    const pdf = makePdf(8, { label: 'Bao cao kinh te - xa hoi' });
    const sha = createHash('sha256').update(pdf).digest('hex');
    const up = await fetch(`${hub.url}/api/meetings/${meeting}/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${chairTok}`, 'content-type': 'application/pdf', 'x-document-title': encodeURIComponent('Báo cáo quý III') },
      body: pdf,
    });
    const text = await up.text();
    assert.equal(up.status, 201, text);
    const doc = JSON.parse(text);
    assert.equal(doc.sha256, sha);

    // Every site holds it (fetched in the background and checked against its hash).
    for (const s of SITES) {
      await until(sites[s], (id) => (window.dh.documents || []).some((d) => d.id === id && d.held), doc.id, `${s} holds the document`);
    }
    // The chair sees who holds it: 3 of 3, nobody missing.
    await until(chair, (id) => (window.dh.documentsStatus || []).some((d) => d.id === id && d.held === 3 && d.total === 3 && d.missing_count === 0),
      doc.id, 'the chair sees 3/3');

    // The operator's page shows it.
    await until(operator, (id) => (document.querySelector(`#docs-list li[data-doc="${id}"]`)?.textContent || '').includes('3/3'),
      doc.id, "the operator's documents panel shows 3/3");

    // The chair presents it and turns to page 3: every site's viewer shows page 3.
    await chair.evaluate((id) => window.dh.present(id, 1), doc.id);
    for (const s of SITES) {
      await sites[s].evaluate(() => {
        window.__page3At = 0;
        window.addEventListener('dh:change', () => {
          if (!window.__page3At && window.dh.viewer?.page === 3) window.__page3At = Date.now();
        });
      });
    }
    const turned = Date.now();
    await chair.evaluate(() => window.dh.presentPage(3));
    for (const s of SITES) {
      await until(sites[s], (id) => window.dh.viewer?.document === id && window.dh.viewer.page === 3 && window.dh.viewer.pages === 8,
        doc.id, `${s} shows page 3 of 8`, 10_000);
    }
    const lags = [];
    for (const s of SITES) lags.push((await sites[s].evaluate(() => window.__page3At)) - turned);
    // A figure, not an assertion: this machine runs the hub and seven tabs on two cores.
    console.log(`# page 3 rendered on every site ${Math.max(...lags)} ms after the chair turned (per site: ${lags.join(', ')} ms)`);
    for (const s of SITES) await sites[s].locator('#viewer').screenshot({ path: artifactPath(`documents-${s}-page3.png`) });

    // A site browses on its own to page 5, then returns to the presenter with one click.
    await sites['ba-dinh'].evaluate(() => window.dh.viewerGoto(5));
    await until(sites['ba-dinh'], () => window.dh.viewer.page === 5 && window.dh.viewer.following === false, undefined, 'ba-dinh browses to 5');
    await chair.evaluate(() => window.dh.presentPage(4));
    await until(sites['tay-ho'], () => window.dh.viewer.page === 4, undefined, 'tay-ho follows to 4');
    assert.equal(await sites['ba-dinh'].evaluate(() => window.dh.viewer.page), 5, 'a browsing site is not pulled away');
    await sites['ba-dinh'].evaluate(() => window.dh.viewerFollow());
    await until(sites['ba-dinh'], () => window.dh.viewer.page === 4 && window.dh.viewer.following === true, undefined, 'ba-dinh back with the presenter');

    // A site that joins late fetches what it missed; the count follows.
    const late = await browser.open('site-long-bien', meetingPageUrl(hub, 'site', { token: siteTok['long-bien'], name: 'long-bien' }));
    await until(late, (id) => (window.dh.documents || []).some((d) => d.id === id && d.held), doc.id, 'the late site holds the document');
    await until(chair, (id) => (window.dh.documentsStatus || []).some((d) => d.id === id && d.held === 4 && d.total === 4),
      doc.id, 'the chair sees 4/4');
    const bytes = await late.evaluate((id) => window.dh.documentBytes(id)?.byteLength, doc.id);
    assert.equal(bytes, pdf.length, 'the late site holds the whole file');
    await until(late, (id) => window.dh.viewer?.document === id && window.dh.viewer.page === 4, doc.id,
      "the late site shows the presenter's page");

    // A vote in the pages: three sites vote, one tries twice, the chair closes, all see the result.
    const vote = (await chair.evaluate(() => window.dh.voteOpen('Thông qua báo cáo quý III?'))).vote;
    for (const s of SITES) await until(sites[s], (v) => window.dh.vote?.id === v && window.dh.vote.state === 'open', vote, `${s} sees the vote`);
    await sites['ba-dinh'].evaluate(() => window.dh.voteCast('agree'));
    await sites['hoan-kiem'].evaluate(() => window.dh.voteCast('agree'));
    await sites['tay-ho'].evaluate(() => window.dh.voteCast('abstain'));
    const twice = await sites['ba-dinh'].evaluate(() => window.dh.voteCast('disagree').then(() => 'accepted', (e) => e.code));
    assert.equal(twice, 'already_voted', 'a site votes once');
    await until(chair, () => window.dh.voteTally?.voted === 3, undefined, 'the chair sees three ballots');
    await chair.evaluate(() => window.dh.voteClose());
    for (const s of SITES) {
      await until(sites[s], () => window.dh.vote?.state === 'closed' && window.dh.vote.result?.agree === 2 && window.dh.vote.result.abstain === 1,
        undefined, `${s} sees the result`);
    }

    // The record page, for a clerk.
    const clerkTok = await hub.token({ meeting, role: 'clerk' });
    const rec = await browser.open('record', `${hub.url}/record.html#meeting=${meeting}&token=${encodeURIComponent(clerkTok)}`);
    await until(rec, () => window.dh.state === 'loaded', undefined, 'the record page loads');
    const record = await rec.evaluate(() => window.dh.record);
    assert.equal(record.documents[0].sha256, sha);
    assert.equal(record.votes[0].result.agree, 2);
    await rec.screenshot({ path: artifactPath('documents-record.png'), fullPage: true });
  });
});
