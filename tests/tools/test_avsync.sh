#!/bin/sh
# test_avsync: dh-avsync measures the offsets that files made here were built with.
#
# Each file: 8 s of video at 2 frames/s that is black, white, black, ... (videotestsrc
# pattern=blink: the white frames start at 0.5, 1.5, 2.5 s), and audio that is silent but for a
# 100 ms 1 kHz tick every second (audiotestsrc wave=ticks, in one-second buffers so that each tick
# starts exactly on a second), its timestamps moved by 0.5 s so that the ticks start with the white
# frames. Moving one stream's timestamps further makes the known offset: audio 60 ms later must
# read +60 ms, video 60 ms later -60 ms. Encoded as the exporter writes
# them (VP8 + Opus in WebM), and once losslessly (raw video + PCM in Matroska) so that a codec's
# delay is not mistaken for the tool's.
#
# usage: test_avsync.sh DH_AVSYNC GST_LAUNCH
set -eu
AVSYNC=$1
LAUNCH=$2
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail=0

# make FILE VIDEO_OFFSET_NS AUDIO_OFFSET_NS ENCODING
make() {
  case $4 in
    webm) venc="vp8enc deadline=1 cpu-used=8"; aenc="opusenc"; mux="webmmux" ;;
    raw) venc="identity"; aenc="identity"; mux="matroskamux" ;;
  esac
  "$LAUNCH" -q \
    videotestsrc pattern=blink num-buffers=17 timestamp-offset="$2" \
      ! video/x-raw,format=I420,width=160,height=120,framerate=2/1 ! $venc ! queue ! mux. \
    audiotestsrc wave=ticks freq=1000 sine-periods-per-tick=100 volume=0.5 \
      samplesperbuffer=48000 num-buffers=8 timestamp-offset=$((500000000 + $3)) \
      ! audio/x-raw,rate=48000,channels=1 ! audioconvert ! $aenc ! queue ! mux. \
    $mux name=mux ! filesink location="$1" >/dev/null
}

# check NAME FILE WANT_MS TOLERANCE_MS
check() {
  out=$("$AVSYNC" "$2") || { echo "FAIL $1: dh-avsync exited $?"; fail=1; return; }
  echo "$1: $out"
  median=$(echo "$out" | jq -r '.median_offset_ms // "null"')
  pairs=$(echo "$out" | jq -r '.pairs')
  maxabs=$(echo "$out" | jq -r '.max_abs_offset_ms // "null"')
  if [ "$median" = null ] || [ "$pairs" -lt 6 ]; then
    echo "FAIL $1: expected at least 6 flash/beep pairs, got $pairs"
    fail=1
    return
  fi
  if ! awk -v m="$median" -v w="$3" -v t="$4" 'BEGIN { d = m - w; if (d < 0) d = -d; exit !(d <= t) }'; then
    echo "FAIL $1: median offset $median ms, expected $3 ± $4 ms"
    fail=1
  fi
  # every single pair, not just the median, must be near the truth
  if ! awk -v m="$maxabs" -v w="$3" -v t="$4" 'BEGIN { a = w < 0 ? -w : w; exit !(m <= a + t) }'; then
    echo "FAIL $1: largest |offset| $maxabs ms, expected about |$3| ms"
    fail=1
  fi
}

make "$DIR/raw0.mkv" 0 0 raw
make "$DIR/raw60.mkv" 0 60000000 raw
make "$DIR/vp8-0.webm" 0 0 webm
make "$DIR/vp8-a60.webm" 0 60000000 webm
make "$DIR/vp8-v60.webm" 60000000 0 webm

check "raw, in sync" "$DIR/raw0.mkv" 0 2
check "raw, audio 60 ms late" "$DIR/raw60.mkv" 60 2
check "vp8+opus, in sync" "$DIR/vp8-0.webm" 0 10
check "vp8+opus, audio 60 ms late" "$DIR/vp8-a60.webm" 60 10
check "vp8+opus, video 60 ms late" "$DIR/vp8-v60.webm" -60 10

# Pictures are counted: of the 17 frames of the blink file, the 8 white ones are lit.
out=$("$AVSYNC" "$DIR/raw0.mkv")
if [ "$(echo "$out" | jq '.frames')" != 17 ] || [ "$(echo "$out" | jq '.lit_frames')" != 8 ]; then
  echo "FAIL frames: expected 17 frames, 8 lit: $out"
  fail=1
fi

# A file without beeps: flashes are found, no pair is made, and the tool still answers.
"$LAUNCH" -q videotestsrc pattern=blink num-buffers=8 ! video/x-raw,width=160,height=120,framerate=2/1 \
  ! vp8enc deadline=1 ! queue ! mux. \
  audiotestsrc wave=silence num-buffers=200 ! opusenc ! queue ! mux. \
  webmmux name=mux ! filesink location="$DIR/silent.webm" >/dev/null
out=$("$AVSYNC" "$DIR/silent.webm")
echo "silent: $out"
if [ "$(echo "$out" | jq '.pairs')" != 0 ] || [ "$(echo "$out" | jq '.flashes | length')" -lt 2 ] ||
   [ "$(echo "$out" | jq '.beeps | length')" != 0 ]; then
  echo "FAIL silent: expected flashes, no beeps, no pairs"
  fail=1
fi

# Not a media file: an error, not a made-up answer.
echo "not media" > "$DIR/bad.webm"
if "$AVSYNC" "$DIR/bad.webm" >/dev/null 2>&1; then
  echo "FAIL bad file: dh-avsync exited 0"
  fail=1
fi

exit $fail
