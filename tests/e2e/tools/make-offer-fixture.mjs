// Regenerates fixtures/publish-offer.sdp: a real Chromium publish offer (send-only Opus audio and
// VP8/H.264 video from the fake devices, all ICE candidates gathered). The peer connection that made it
// is closed, so an answer to it goes nowhere; the negative tests only need its text.
// Usage: node tools/make-offer-fixture.mjs
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { launchBrowser } from '../lib/browser.mjs';
import { E2E_DIR } from '../lib/artifacts.mjs';

const server = createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html>'); });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const b = await launchBrowser({ testName: 'make-offer-fixture' });
try {
  const ctx = await b.browser.newContext({ permissions: ['camera', 'microphone'] });
  const page = await ctx.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  const sdp = await page.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
    const pc = new RTCPeerConnection();
    pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly', streams: [stream] });
    pc.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly', streams: [stream] });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
      setTimeout(resolve, 3000);
    });
    // Keep only loopback UDP candidates: nothing in a fixture should point off this machine.
    const out = pc.localDescription.sdp.split('\r\n')
      .filter((l) => !l.startsWith('a=candidate:') || / udp \d+ 127\.0\.0\.1 /.test(l))
      .join('\r\n');
    pc.close();
    stream.getTracks().forEach((t) => t.stop());
    return out;
  });
  const path = join(E2E_DIR, 'fixtures', 'publish-offer.sdp');
  writeFileSync(path, sdp);
  console.log(`wrote ${path} (${sdp.length} bytes)`);
} finally {
  await b.close();
  server.close();
}
