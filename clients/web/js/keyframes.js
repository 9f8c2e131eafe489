// Asks the hub for a keyframe when a video tile still shows no picture a while after it appeared
// (at most three times per m-section). forget() after a reconnect: the mids start over.

export class KeyframeWatch {
  // videoOf(key) -> <video> | null; request(mid) -> Promise (the `keyframe` request).
  constructor({ videoOf, request }) {
    this.videoOf = videoOf;
    this.request = request;
    this.tries = new Map(); // key/mid -> tries
    this.stopped = false;
  }

  watch(key, mid) {
    const id = `${key}/${mid}`;
    if (this.tries.has(id)) return;
    this.tries.set(id, 0);
    const check = () => {
      if (this.stopped || !this.tries.has(id)) return;
      const video = this.videoOf(key);
      if (!video || video.videoWidth > 0) return;
      const n = this.tries.get(id) || 0;
      if (n >= 3) return;
      this.tries.set(id, n + 1);
      Promise.resolve()
        .then(() => this.request(mid))
        .catch((e) => {
          if (e && e.code !== 'rate_limited') console.warn('keyframe', mid, e.code, e.message);
        });
      setTimeout(check, 3000);
    };
    setTimeout(check, 2500);
  }

  forget() {
    this.tries.clear();
  }

  stop() {
    this.stopped = true;
  }
}
