#!/usr/bin/env bash
# Makes the media files dienhong-load replays (RFC 4571-framed RTP, see media_file.h) with
# GStreamer: VP8 at 640x360 30 fps ~800 kbit/s (the fan-out publisher), VP8 at 320x180 15 fps
# ~250 kbit/s (a site's top simulcast layer, or its one stream), VP8 at 160x90 15 fps ~100 kbit/s
# (a site's and the chair's lowest layer: a wall thumbnail), VP8 at 960x540 30 fps ~1.2 Mbit/s
# (the chair's top layer in W-580), Opus 20 ms ~32 kbit/s. The zone plate moves every frame, so
# the encoder spends the bitrate a camera would. Each file is made once (an existing one is
# kept); the 540p one is 5 s rather than 10 to halve its encoding time (about 2 s here), as files
# loop anyway. Usage: media.sh OUT_DIR
set -euo pipefail
out=${1:?usage: media.sh OUT_DIR}
mkdir -p "$out"
gst=$(command -v gst-launch-1.0) || { echo "media.sh: gst-launch-1.0 not found" >&2; exit 1; }
video() { # name width height fps bitrate frames
  [[ -s $out/$1 ]] && return 0
  "$gst" -q videotestsrc num-buffers="$6" pattern=zone-plate kx2=20 ky2=20 kt=1 \
    ! "video/x-raw,width=$2,height=$3,framerate=$4/1" \
    ! vp8enc deadline=1 target-bitrate="$5" keyframe-max-dist=60 \
    ! rtpvp8pay mtu=1200 pt=96 ! rtpstreampay ! filesink location="$out/$1.tmp"
  mv "$out/$1.tmp" "$out/$1"
}
video vp8-360p.rtp 640 360 30 800000 300
video vp8-180p.rtp 320 180 15 250000 150
video vp8-90p.rtp 160 90 15 100000 150
video vp8-540p.rtp 960 540 30 1200000 150
if [[ ! -s $out/opus.rtp ]]; then
  "$gst" -q audiotestsrc num-buffers=500 samplesperbuffer=960 wave=ticks \
    ! audio/x-raw,rate=48000,channels=2 ! opusenc bitrate=32000 frame-size=20 \
    ! rtpopuspay pt=111 ! rtpstreampay ! filesink location="$out/opus.rtp.tmp"
  mv "$out/opus.rtp.tmp" "$out/opus.rtp"
fi
