// Camera and microphone. Tries both, then each alone; never throws.
// Returns { stream, missing: ['audio'|'video'...], error } (stream null when nothing opened).

function videoConstraints(res) {
  return { width: { ideal: res.width }, height: { ideal: res.height }, frameRate: { ideal: 30 } };
}

function describe(err) {
  if (!err) return '';
  return err.name && err.message ? `${err.name}: ${err.message}` : String(err.name || err.message || err);
}

export async function openLocalMedia(res, { audio = true, video = true } = {}) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return { stream: null, missing: ['audio', 'video'], error: 'getUserMedia unavailable (needs https or localhost)' };
  }
  const attempts = [];
  if (audio && video) attempts.push({ audio: true, video: videoConstraints(res) });
  if (audio) attempts.push({ audio: true, video: false });
  if (video) attempts.push({ audio: false, video: videoConstraints(res) });
  let firstError = null;
  for (const c of attempts) {
    try {
      const stream = await navigator.mediaDevices.getUserMedia(c);
      const missing = [];
      if (audio && !stream.getAudioTracks().length) missing.push('audio');
      if (video && !stream.getVideoTracks().length) missing.push('video');
      return { stream, missing, error: missing.length ? describe(firstError) : '' };
    } catch (e) {
      firstError = firstError || e;
    }
  }
  return { stream: null, missing: ['audio', 'video'], error: describe(firstError) };
}

export function stopStream(stream) {
  if (stream) for (const tr of stream.getTracks()) tr.stop();
}
