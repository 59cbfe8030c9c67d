#!/usr/bin/env bash
# Regenerates the bundled example clips (committed, so users need neither tool): speech from espeak-ng,
# a plucked-chord melody, a drum loop and a noise texture from sox. Needs: apt-get install -y espeak-ng sox
#
# The same clips at another rate, for benches (bench/full-band.ts), from the environment:
#   EXAMPLES_RATE      sample rate in Hz (default 22050)
#   EXAMPLES_DIR       where to write them (default examples/)
#   EXAMPLES           which to make, of: speech plucks drums melody texture (default all)
#   EXAMPLES_FULL_BAND 1 drops the melody's 2 kHz low-pass, so that it has a top octave too
set -euo pipefail
rate=${EXAMPLES_RATE:-22050}
out=$(realpath -m "${EXAMPLES_DIR:-$(dirname "$0")/../examples}")
clips=" ${EXAMPLES:-speech plucks drums melody texture} "
want() { [[ $clips == *" $1 "* ]]; }
mkdir -p "$out"
cd "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Repeatable mode for every sox call: seeded dither and noise, so two runs write identical files. The committed
# speech, plucks, drums and melody clips predate this (only the texture was made with -R): regenerating them changes
# their dither (and the drums' hi-hat noise), and with it the measured figures of the README and docs/ slightly.
export SOX_OPTS=-R

# Content: a spoken sentence, mono 16-bit.
if want speech; then
  espeak-ng -s 150 -w "$tmp/speech.wav" "Every sound can wear a different coat. Listen to the words change their colour."
  sox "$tmp/speech.wav" -r "$rate" -c 1 -b 16 speech.wav norm -3
fi

# Style: plucked chords, an arpeggio over C, A minor, F and G (0.25 s a note).
if want plucks; then
  notes=(C3 E3 G3 C4 A2 C3 E3 A3 F2 A2 C3 F3 G2 B2 D3 G3)
  parts=()
  for i in "${!notes[@]}"; do
    sox -n -r "$rate" -c 1 -b 16 "$tmp/n$i.wav" synth 0.25 pluck "${notes[$i]}" fade 0 0.25 0.05
    parts+=("$tmp/n$i.wav")
  done
  sox "${parts[@]}" "$tmp/arp.wav"
  sox "$tmp/arp.wav" plucks.wav reverb 30 norm -3 trim 0 4
fi

# Style: a drum loop, kick (falling sine) and hi-hat (filtered noise bursts), 120 bpm, 4 s.
if want drums; then
  sox -n -r "$rate" -c 1 -b 16 "$tmp/kick.wav" synth 0.25 sine 120-40 fade 0 0.25 0.2
  sox -n -r "$rate" -c 1 -b 16 "$tmp/hat.wav" synth 0.25 whitenoise vol 0.4 highpass 6000 fade 0 0.25 0.22
  beat=()
  for _ in 1 2 3 4; do beat+=("$tmp/kick.wav" "$tmp/hat.wav" "$tmp/hat.wav" "$tmp/hat.wav"); done
  sox "${beat[@]}" drums.wav norm -3
fi

# Content: a hummed-like melody (sawtooth through a low-pass), for tests on non-speech content.
if want melody; then
  sox -n -r "$rate" -c 1 -b 16 "$tmp/mel.wav" synth 0.5 sawtooth A3 : synth 0.5 sawtooth C4 : synth 0.5 sawtooth E4 : synth 0.5 sawtooth D4 : \
    synth 0.5 sawtooth C4 : synth 0.5 sawtooth A3 : synth 1 sawtooth G3
  lowpass=(lowpass 2000)
  [[ ${EXAMPLES_FULL_BAND:-0} == 1 ]] && lowpass=()
  sox "$tmp/mel.wav" melody.wav "${lowpass[@]}" fade 0.02 4 0.1 norm -3
fi

# Style: a steady texture, band-limited pink noise with a 9 Hz flutter, 4 s (-R: the same noise every time).
if want texture; then
  sox -R -n -r "$rate" -c 1 -b 16 texture.wav synth 4 pinknoise highpass 300 lowpass 8000 tremolo 9 50 norm -3
fi

for clip in speech plucks drums melody texture; do want "$clip" && soxi -D "$clip.wav"; done
exit 0
