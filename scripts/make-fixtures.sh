#!/usr/bin/env bash
# Regenerates the small decoder test fixtures in test/fixtures (committed): one 0.5 s stereo clip, 44.1 kHz,
# left 440 Hz and right 660 Hz at -6 dBFS, in every format the decoder must read (AMR: 8 kHz mono, as AMR-NB is).
# Needs sox and lame. opus.webm comes from Chromium instead: npx tsx scripts/make-webm-fixture.ts.
set -euo pipefail
cd "$(dirname "$0")/../test/fixtures"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sox -n -r 44100 -c 2 -b 24 "$tmp/src.wav" synth 0.5 sine 440 sine 660 vol 0.5
sox "$tmp/src.wav" -b 8 -e unsigned wav8.wav
sox "$tmp/src.wav" -b 16 wav16.wav
sox "$tmp/src.wav" -b 24 wav24.wav
sox "$tmp/src.wav" -b 32 -e signed wav32.wav
sox "$tmp/src.wav" -b 32 -e floating-point wavf32.wav
sox "$tmp/src.wav" -C 5 flac.flac
sox "$tmp/src.wav" -C 3 vorbis.ogg
sox "$tmp/src.wav" -b 16 "$tmp/src16.wav"
lame --quiet -b 128 "$tmp/src16.wav" mp3.mp3
sox "$tmp/src16.wav" -e ms-adpcm adpcm.wav
sox "$tmp/src16.wav" aiff.aiff
sox "$tmp/src16.wav" caf.caf
sox "$tmp/src16.wav" wavpack.wv
sox "$tmp/src16.wav" -r 8000 -c 1 -t amr-nb amr.amr
sox -n -r 8000 -c 1 -b 16 rate8k.wav synth 0.5 sine 440 vol 0.5
sox -n -r 192000 -c 1 -b 24 rate192k.wav synth 0.5 sine 440 vol 0.5
sox -n -r 48000 -c 6 -b 16 six-channels.wav synth 0.5 sine 440 vol 0.5
# A real audio format that audio-decode does not read (Sun/NeXT .au), for the "unsupported" message.
sox -n -r 8000 -c 1 -b 16 sun.au synth 0.1 sine 440 vol 0.5
ls -la
