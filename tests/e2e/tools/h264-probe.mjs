// Prints whether this machine's Chromium can encode and decode H.264 in WebRTC.
// Usage: node tools/h264-probe.mjs   (exit 0 when it can, 1 when it cannot)
import { launchBrowser, probeH264 } from '../lib/browser.mjs';

const b = await launchBrowser({ testName: 'h264-probe' });
try {
  const r = await probeH264(b.browser);
  console.log(JSON.stringify(r, null, 2));
  process.exitCode = r.ok ? 0 : 1;
} finally {
  await b.close();
}
