// The page's own camera and microphone: the preview (#preview in #preview-box) and the two toggle
// buttons (#toggle-mic, #toggle-cam). The microphone obeys a MicGate (micgate.js).

import { t, onLangChange } from './i18n.js';
import { stopStream } from './media.js';
import { playVideo } from './ui.js';

const $ = (id) => document.getElementById(id);

export function mountLocalMedia(mic) {
  let stream = null;

  const sync = () => {
    const micBtn = $('toggle-mic');
    const cam = $('toggle-cam');
    const a = stream ? stream.getAudioTracks()[0] : null;
    const v = stream ? stream.getVideoTracks()[0] : null;
    if (micBtn) {
      micBtn.disabled = !a || !mic.allowed;
      micBtn.setAttribute('aria-pressed', String(!!a && mic.allowed && !a.enabled));
      micBtn.classList.toggle('gated', !!a && !mic.allowed);
      let key = 'room.mic';
      if (a) key = !mic.allowed ? 'room.mic.gated' : a.enabled ? 'room.mic.on' : 'room.mic.off';
      micBtn.textContent = t(key);
    }
    if (cam) {
      cam.disabled = !v;
      cam.setAttribute('aria-pressed', String(!!v && !v.enabled));
      cam.textContent = t(!v ? 'room.cam' : v.enabled ? 'room.cam.on' : 'room.cam.off');
    }
  };

  $('toggle-mic')?.addEventListener('click', () => {
    mic.toggle();
    sync();
  });
  $('toggle-cam')?.addEventListener('click', () => {
    const v = stream?.getVideoTracks()[0];
    if (v) v.enabled = !v.enabled;
    $('preview-box')?.classList.toggle('cam-off', !!v && !v.enabled);
    sync();
  });
  onLangChange(sync);
  sync();

  return {
    // Shows the stream in the preview; the microphone goes through the gate before anything is sent.
    set(s) {
      stream = s;
      mic.setTrack(s ? s.getAudioTracks()[0] : null);
      const preview = $('preview');
      if (preview && s) {
        preview.srcObject = new MediaStream(s.getVideoTracks());
        playVideo(preview, { remote: false });
      }
      if (s && !s.getVideoTracks().length) $('preview-box')?.classList.add('no-media');
      sync();
    },
    stop() {
      stopStream(stream);
      stream = null;
      mic.setTrack(null);
      sync();
    },
    noMedia() {
      $('preview-box')?.classList.add('no-media');
    },
    sync,
    get stream() {
      return stream;
    },
  };
}
