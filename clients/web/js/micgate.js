// A site's microphone follows the floor: the audio track is enabled only while the site holds the
// floor (the hub drops a site's audio without the floor anyway; this keeps the page honest).
// Within the floor the user may still mute it; getting the floor again opens it again.

export class MicGate {
  constructor({ gated = true } = {}) {
    this.gated = gated; // false on the chair's and operators' pages: the user alone decides
    this.floor = false;
    this.wanted = true;
    this.track = null;
  }

  // May the user switch the microphone on now?
  get allowed() {
    return !this.gated || this.floor;
  }

  get on() {
    return !!this.track && this.track.enabled;
  }

  setTrack(track) {
    this.track = track || null;
    this.apply();
  }

  setFloor(floor) {
    if (floor && !this.floor) this.wanted = true;
    this.floor = !!floor;
    this.apply();
  }

  toggle() {
    if (!this.allowed) return;
    this.wanted = !this.wanted;
    this.apply();
  }

  apply() {
    if (this.track) this.track.enabled = this.wanted && this.allowed;
  }
}
