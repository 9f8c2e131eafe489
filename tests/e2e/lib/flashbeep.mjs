// A camera and microphone with a known lip sync, for pages under test: an init script that replaces
// navigator.mediaDevices.getUserMedia so that the page publishes
//
//   video  a canvas (canvas.captureStream), dark grey with a small moving clock, and all white for
//          flashMs once every periodMs;
//   audio  a WebAudio 1 kHz oscillator through a gain that is 0 but for flashMs every periodMs (a
//          beep), starting at the same instants as the flashes.
//
// One clock drives both: the page's AudioContext (started by a user gesture the test gives:
// resumeFlashBeep()). The beeps are scheduled on it (gain automation,
// sample-exact); the flashes are drawn when performance.now() reaches the same instants, mapped from
// the AudioContext's time with getOutputTimestamp(), less the time between rendering audio and
// playing it out (the MediaStream gets the audio when it is rendered). The canvas is captured
// frame by frame (captureStream(0) + requestFrame()): a frame at every 1/fps and one exactly when a
// flash starts or ends, so the first white frame carries the flash's own capture time.
//
// mode 'quiet': the same dark canvas and a silent track, never a flash or a beep (a participant
// that must not disturb what is measured on another one).
//
// Every getUserMedia call gets clones of the one generator's tracks, so a page that stops its
// stream and asks again (a reconnection) keeps the same clock. window.__flashbeep shows the state:
// { mode, state, t0Perf, periodMs, flashes (performance.now() of the last flashes drawn), error }.
//
// A tests/tools/avsync.c measurement of a file recorded from this stream (tests/recording.test.mjs,
// "the flash/beep fixture is in sync") is the check that the two clocks agree.

/** The init script: a function Playwright serializes into the page, run with the options object. */
function flashBeepInit(opts) {
  const o = {
    mode: 'flashbeep',
    periodMs: 1000,
    flashMs: 100,
    width: 320,
    height: 240,
    fps: 30,
    freq: 1000,
    gain: 0.5,
    background: '#181818',
    ...opts,
  };
  const md = navigator.mediaDevices;
  if (!md || !md.getUserMedia) return;
  const state = { mode: o.mode, state: 'idle', t0Perf: 0, periodMs: o.periodMs, flashes: [], error: null };
  window.__flashbeep = state;

  let gen = null; // { audio, video } once started

  function start() {
    const ctx = new AudioContext({ sampleRate: 48000, latencyHint: 'interactive' });
    const osc = ctx.createOscillator();
    osc.frequency.value = o.freq;
    const gain = ctx.createGain();
    gain.gain.value = 0;
    const dest = ctx.createMediaStreamDestination();
    osc.connect(gain).connect(dest);
    osc.start();
    ctx.resume().catch((e) => { state.error = `AudioContext.resume: ${e}`; });

    const canvas = document.createElement('canvas');
    canvas.width = o.width;
    canvas.height = o.height;
    const g = canvas.getContext('2d');
    const vstream = canvas.captureStream(0);
    const vtrack = vstream.getVideoTracks()[0];

    const period = o.periodMs / 1000;
    const flashLen = o.flashMs / 1000;
    let t0 = -1; // AudioContext time of flash 0 (once the context runs)
    let scheduledUntil = 0; // beeps are scheduled on the audio clock up to this index
    let lastFrame = -1e9;
    let lastWhite = false;
    let count = 0;

    // AudioContext time -> performance.now(), at the moment the audio is handed to the stream.
    function perfOf(t) {
      const ts = ctx.getOutputTimestamp();
      const outLatency = (ctx.baseLatency || 0) + (ctx.outputLatency || 0);
      return ts.performanceTime + (t - ts.contextTime - outLatency) * 1000;
    }

    function draw(white, now) {
      g.fillStyle = white ? '#ffffff' : o.background;
      g.fillRect(0, 0, o.width, o.height);
      if (!white) {
        // Something that moves, so the encoder keeps sending, small enough not to look like a flash.
        g.fillStyle = '#3a3a3a';
        g.font = '16px monospace';
        g.fillText(`${(now / 1000).toFixed(2)} #${count}`, 8, o.height - 10);
      }
      count++;
      if (vtrack.requestFrame) vtrack.requestFrame();
      else if (vstream.requestFrame) vstream.requestFrame();
      lastFrame = now;
      lastWhite = white;
    }

    function tick() {
      const now = performance.now();
      if (o.mode === 'flashbeep' && ctx.state === 'running') {
        if (t0 < 0) {
          t0 = ctx.currentTime + 0.5; // the first flash half a second from now
          state.t0Perf = perfOf(t0);
          state.state = 'running';
        }
        // Keep two seconds of beeps scheduled on the audio clock.
        while (t0 + scheduledUntil * period < ctx.currentTime + 2) {
          const at = t0 + scheduledUntil * period;
          gain.gain.setValueAtTime(o.gain, at);
          gain.gain.setValueAtTime(0, at + flashLen);
          scheduledUntil++;
        }
        // Is the picture white now? Flash k covers [perfOf(t0 + k*period), + flashMs).
        const k = Math.floor((ctx.currentTime - t0) / period + 0.5);
        let white = false;
        for (const kk of [k - 1, k, k + 1]) {
          if (kk < 0) continue;
          const start = perfOf(t0 + kk * period);
          if (now >= start && now < start + o.flashMs) {
            white = true;
            if (!lastWhite) {
              state.flashes.push(now);
              if (state.flashes.length > 20) state.flashes.shift();
            }
          }
        }
        if (white !== lastWhite || now - lastFrame >= 1000 / o.fps) draw(white, now);
      } else {
        if (o.mode !== 'flashbeep') state.state = ctx.state === 'running' ? 'running' : ctx.state;
        if (now - lastFrame >= 1000 / o.fps) draw(false, now);
      }
    }
    draw(false, performance.now());
    // A MessageChannel-free busy timer: 4 ms steps keep a flash's first frame within a few ms.
    setInterval(tick, 4);
    state.state = ctx.state === 'running' ? state.state : 'waiting-audio';
    return { audio: dest.stream.getAudioTracks()[0], video: vtrack, ctx };
  }

  // Chromium lets an AudioContext run only after a user gesture: the test gives one
  // (page.evaluate runs with user activation) through this function; see openWithFlashBeep().
  window.__flashbeepResume = async () => {
    if (!gen) gen = start();
    await gen.ctx.resume();
    return gen.ctx.state;
  };

  const original = md.getUserMedia.bind(md);
  md.getUserMedia = async (constraints = {}) => {
    if (!gen) {
      try {
        gen = start();
      } catch (e) {
        state.error = String(e && e.message ? e.message : e);
        return original(constraints);
      }
    }
    const tracks = [];
    if (constraints.audio) tracks.push(gen.audio.clone());
    if (constraints.video) tracks.push(gen.video.clone());
    if (!tracks.length) throw new TypeError('getUserMedia: at least one of audio and video is required');
    return new MediaStream(tracks);
  };
}

/**
 * Install the flash/beep camera and microphone in page before its next navigation (Playwright's
 * page.addInitScript). Options: mode ('flashbeep' | 'quiet'), periodMs, flashMs, width, height,
 * fps, freq, gain, background (the canvas between flashes: a light one makes a picture that a
 * recording check can tell from black, which Chromium's fake camera is for most frames).
 */
export async function installFlashBeep(page, options = {}) {
  await page.addInitScript(flashBeepInit, options);
}

/**
 * Open a participant whose camera and microphone are the flash/beep generator: browser.open() on a
 * harmless page of the hub (so the page gets the session's logging and screenshots), then the init
 * script, then the real page.
 */
export async function openWithFlashBeep(browser, hub, label, url, options = {}) {
  const page = await browser.open(label, `${hub.url}/health`);
  await installFlashBeep(page, options);
  const res = await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 15_000 });
  if (!res || !res.ok()) throw new Error(`${label}: GET ${url.split('#')[0]} answered ${res ? res.status() : 'nothing'}`);
  await resumeFlashBeep(page, label);
  return page;
}

/**
 * Start the generator's audio clock in page: Chromium's autoplay policy keeps an AudioContext
 * suspended (no sound, so no audio packets) until a user gesture, and page.evaluate() is one.
 */
export async function resumeFlashBeep(page, label = 'page') {
  const deadline = Date.now() + 10_000;
  let st;
  do {
    st = await page.evaluate(() => (window.__flashbeepResume ? window.__flashbeepResume() : 'not installed'));
    if (st === 'running') return;
    await new Promise((r) => setTimeout(r, 200));
  } while (Date.now() < deadline);
  throw new Error(`${label}: the flash/beep generator's AudioContext did not start (${st})`);
}

/** The generator's state in page (window.__flashbeep), or null where it is not installed. */
export async function flashBeepState(page) {
  return page.evaluate(() => (window.__flashbeep ? JSON.parse(JSON.stringify(window.__flashbeep)) : null));
}

/**
 * Measure, inside page, the generator's own lip sync where the tracks leave it: the capture
 * timestamps of the beeps' first loud samples (MediaStreamTrackProcessor on a clone of the audio
 * track) against the performance.now() at which the white frames were handed to the video track.
 * Returns { offsetsMs: [beep - flash ...], medianMs } over durationMs of stream.
 */
export async function measureFixtureSync(page, durationMs = 6_000) {
  return page.evaluate(async (ms) => {
    const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    const reader = new MediaStreamTrackProcessor({ track: s.getAudioTracks()[0] }).readable.getReader();
    const onsets = [];
    let loud = false;
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const { value, done } = await reader.read();
      if (done) break;
      const n = value.numberOfFrames;
      const buf = new Float32Array(n);
      value.copyTo(buf, { planeIndex: 0, format: 'f32-planar' });
      let any = false;
      for (let i = 0; i < n; i++) {
        const l = Math.abs(buf[i]) > 0.05;
        if (l && !loud) onsets.push(value.timestamp / 1000 + (i * 1000) / value.sampleRate);
        if (l) { loud = true; any = true; }
      }
      if (!any) loud = false;
      value.close();
    }
    reader.cancel();
    s.getTracks().forEach((t) => t.stop());
    const flashes = window.__flashbeep.flashes;
    const offsetsMs = [];
    for (const f of flashes) {
      let best = null;
      for (const b of onsets) if (Math.abs(b - f) < 450 && (best === null || Math.abs(b - f) < Math.abs(best))) best = b - f;
      if (best !== null) offsetsMs.push(best);
    }
    const sorted = [...offsetsMs].sort((a, b) => a - b);
    const medianMs = sorted.length ? sorted[Math.floor(sorted.length / 2)] : null;
    return { offsetsMs, medianMs, onsets: onsets.length, flashes: flashes.length };
  }, durationMs);
}
