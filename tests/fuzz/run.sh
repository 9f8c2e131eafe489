#!/usr/bin/env bash
# Builds every libFuzzer target under ASan+UBSan, replays its committed corpus, then fuzzes it for
# SECONDS (default 15) on a scratch copy of the corpus. Any crash fails the run; the crashing
# input is kept in build-fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DDH_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target $(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')
mkdir -p build-fuzz/crashes
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp"
for src in tests/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  corpus=tests/fuzz/corpus/${name#fuzz_}
  bin=build-fuzz/tests/fuzz/$name
  scratch=$(mktemp -d)
  [[ -d $corpus ]] && cp -r "$corpus"/. "$scratch"/
  if [[ -d $corpus ]]; then
    "$bin" -runs=0 "$corpus" >/dev/null 2>build-fuzz/$name.replay.log ||
      { cat build-fuzz/$name.replay.log; echo "fuzz: $name failed replaying $corpus"; exit 1; }
  fi
  "$bin" -max_total_time="$seconds" -artifact_prefix=build-fuzz/crashes/ "$scratch" \
    >/dev/null 2>build-fuzz/$name.log ||
    { tail -40 build-fuzz/$name.log; echo "fuzz: $name crashed"; exit 1; }
  runs=$(grep -o 'Done [0-9]* runs' build-fuzz/$name.log | grep -o '[0-9]*' || echo '?')
  echo "fuzz: $name ok (corpus $(ls "$corpus" 2>/dev/null | wc -l) replayed, $runs runs in ${seconds}s)"
  rm -rf "$scratch"
done
