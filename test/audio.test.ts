import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TESTED_FORMATS, decodeAudio, toMono } from '../src/audio/decode.js';
import { resample } from '../src/audio/resample.js';
import { encodeWav, peak } from '../src/audio/wav.js';
import { limitPeaks } from '../src/audio/limiter.js';
import { CONTENT_PEAK_DBFS, peakGainDb, silentEnds, withGain, withoutDc } from '../src/audio/level.js';
import { readInputFile } from '../src/node/files.js';
import { encodeFlac } from '../src/node/flac.js';
import { toInt16 } from '../src/audio/flac.js';
import { createHash } from 'node:crypto';
import { InputError } from '../src/errors.js';
import { Random } from '../src/dsp/random.js';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

/** Amplitude of the sinusoid at `freq` in x (least squares on sin and cos over the whole clip). */
function toneAmplitude(x: Float32Array, sampleRate: number, freq: number): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < x.length; i++) {
    s += x[i] * Math.sin((2 * Math.PI * freq * i) / sampleRate);
    c += x[i] * Math.cos((2 * Math.PI * freq * i) / sampleRate);
  }
  return (2 * Math.hypot(s, c)) / x.length;
}

describe('decodeAudio', () => {
  it.each([
    ['wav8.wav', 0.02],
    ['wav16.wav', 0.002],
    ['wav24.wav', 0.002],
    ['wav32.wav', 0.002],
    ['wavf32.wav', 0.002],
    ['flac.flac', 0.002],
    ['vorbis.ogg', 0.03],
    ['mp3.mp3', 0.03],
    ['aiff.aiff', 0.002],
    ['caf.caf', 0.002],
    ['wavpack.wv', 0.002],
  ])('%s: stereo 44.1 kHz, left 440 Hz and right 660 Hz at amplitude 0.5 (tolerance %f)', async (name, tol) => {
    const clip = await decodeAudio(fixture(name), name);
    expect(clip.sampleRate).toBe(44100);
    expect(clip.channels).toHaveLength(2);
    // Lossy codecs add encoder delay and padding: allow 0.1 s either way.
    expect(Math.abs(clip.channels[0].length - 22050)).toBeLessThan(4410);
    expect(toneAmplitude(clip.channels[0], 44100, 440)).toBeCloseTo(0.5, 1);
    expect(toneAmplitude(clip.channels[1], 44100, 660)).toBeCloseTo(0.5, 1);
    expect(Math.abs(toneAmplitude(clip.channels[0], 44100, 440) - 0.5)).toBeLessThan(tol + 0.03);
    expect(toneAmplitude(clip.channels[0], 44100, 660)).toBeLessThan(0.02);
  });

  it('opus.webm (WebM/Opus, as browsers record it: 48 kHz) holds 440 Hz left and 660 Hz right at 0.5', async () => {
    const clip = await decodeAudio(fixture('opus.webm'), 'opus.webm');
    expect([clip.sampleRate, clip.channels.length]).toEqual([48000, 2]);
    expect(Math.abs(clip.channels[0].length - 48000)).toBeLessThan(4800);
    expect(toneAmplitude(clip.channels[0], 48000, 440)).toBeCloseTo(0.5, 1);
    expect(toneAmplitude(clip.channels[1], 48000, 660)).toBeCloseTo(0.5, 1);
    expect(toneAmplitude(clip.channels[0], 48000, 660)).toBeLessThan(0.02);
  });

  it('amr.amr (AMR-NB, a speech codec: 8 kHz mono) holds the 440 Hz tone', async () => {
    const clip = await decodeAudio(fixture('amr.amr'), 'amr.amr');
    expect([clip.sampleRate, clip.channels.length]).toEqual([8000, 1]);
    expect(Math.abs(clip.channels[0].length - 4000)).toBeLessThan(800);
    // Mixed down from 440 Hz left and 660 Hz right at 0.5: 0.25 each, through a codec made for voices.
    expect(toneAmplitude(clip.channels[0], 8000, 440)).toBeGreaterThan(0.1);
  });

  it('mixes to mono by averaging the channels', async () => {
    const clip = await decodeAudio(fixture('wav16.wav'), 'wav16.wav');
    const mono = toMono(clip);
    expect(toneAmplitude(mono, 44100, 440)).toBeCloseTo(0.25, 2);
    expect(toneAmplitude(mono, 44100, 660)).toBeCloseTo(0.25, 2);
  });

  it.each([
    ['rate8k.wav', 8000, 1],
    ['rate192k.wav', 192000, 1],
    ['six-channels.wav', 48000, 6],
  ])('%s decodes at %i Hz with %i channel(s)', async (name, rate, channels) => {
    const clip = await decodeAudio(fixture(name), name);
    expect(clip.sampleRate).toBe(rate);
    expect(clip.channels).toHaveLength(channels);
  });

  it('rejects an empty file, naming it', async () => {
    await expect(decodeAudio(new Uint8Array(0), 'empty.wav')).rejects.toThrow(/^empty\.wav: file is empty$/);
  });

  it('refuses a real audio format it cannot read (Sun .au), naming the file and the formats it reads', async () => {
    const err = await decodeAudio(fixture('sun.au'), 'sun.au').catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`sun.au: cannot decode audio (Unknown audio format); supported: ${TESTED_FORMATS}`);
    expect(TESTED_FORMATS).toBe('WAV, AIFF, CAF, FLAC, MP3, OGG/Vorbis, WebM/Opus, WavPack, AMR'); // each has a fixture decoded above
  });

  it('rejects a text file named .wav', async () => {
    const err = await decodeAudio(new TextEncoder().encode('this is not audio, just text\n'.repeat(20)), 'notes.wav').catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/^notes\.wav: cannot decode audio/);
  });

  it('rejects a WAV cut inside its header', async () => {
    await expect(decodeAudio(fixture('wav16.wav').subarray(0, 30), 'cut.wav')).rejects.toThrow(/^cut\.wav: /);
  });

  it('decodes what is there of a WAV whose data chunk is shorter than declared', async () => {
    const clip = await decodeAudio(fixture('wav16.wav').subarray(0, 10044), 'short.wav');
    expect(clip.channels[0].length).toBe(2500);
  });

  it('rejects a WAV header declaring absurd channels or sample rate at once (found by fuzzing)', async () => {
    const bytes = Buffer.from(fixture('wav16.wav'));
    bytes.writeUInt16LE(65282, 22);
    const started = performance.now();
    await expect(decodeAudio(new Uint8Array(bytes), 'odd.wav')).rejects.toThrow('odd.wav: corrupt WAV header: 65282 channels');
    // Refused up front, in well under a millisecond; the decoder took 4-10 s over such a header. The bound leaves room
    // for a busy CI machine (other test files run beside this one).
    expect(performance.now() - started).toBeLessThan(1000);
    const rate = Buffer.from(fixture('wav16.wav'));
    rate.writeUInt32LE(0, 24);
    await expect(decodeAudio(new Uint8Array(rate), 'odd.wav')).rejects.toThrow('odd.wav: corrupt WAV header: sample rate 0 Hz');
  });

  it('rejects NaN and infinite samples, counting them', async () => {
    const x = new Float32Array(1000).fill(0.1);
    x[10] = NaN;
    x[20] = Infinity;
    const bytes = await encodeWav([x], 22050, 'float32');
    await expect(decodeAudio(bytes, 'nan.wav')).rejects.toThrow('nan.wav: 2 samples are NaN or infinite');
  });
});

describe('readInputFile', () => {
  it('names a missing path', async () => {
    await expect(readInputFile('/no/such/file.wav')).rejects.toThrow('/no/such/file.wav: no such file or directory');
  });
  it('refuses a directory', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'restyle-'));
    await expect(readInputFile(dir)).rejects.toThrow(`${dir}: is a directory, not an audio file`);
  });
});

describe('resample', () => {
  it.each([
    [44100, 22050],
    [8000, 22050],
    [192000, 22050],
    [22050, 16000],
  ])('%i -> %i Hz keeps a 440 Hz tone and gives exactly round(n * ratio) samples', async (from, to) => {
    const n = Math.round(from * 0.7) + 3;
    const x = Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / from));
    const y = await resample(x, from, to);
    expect(y.length).toBe(Math.round((n * to) / from));
    // Compare the middle (the ends carry the filter's transients) with the ideal sine at the new rate.
    let err = 0;
    for (let i = Math.floor(y.length * 0.1); i < y.length * 0.9; i++) err = Math.max(err, Math.abs(y[i] - 0.5 * Math.sin((2 * Math.PI * 440 * i) / to)));
    expect(err).toBeLessThan(1e-3);
  });

  it('removes content above the new Nyquist frequency (band-limited, not linear interpolation)', async () => {
    const from = 44100;
    const x = Float32Array.from({ length: from }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 15000 * i) / from));
    const y = await resample(x, from, 22050);
    // 15 kHz cannot exist at 22.05 kHz; linear interpolation would alias it to 7.05 kHz at high level.
    expect(peak(y.subarray(2000, y.length - 2000))).toBeLessThan(0.01);
  });
});

describe('encodeWav', () => {
  it('writes 16-bit PCM and 32-bit float that decode back', async () => {
    const rng = new Random(4);
    const x = Float32Array.from({ length: 5000 }, () => 0.5 * (2 * rng.uniform() - 1));
    for (const [format, tol] of [['int16', 1 / 32000], ['float32', 0]] as const) {
      const bytes = await encodeWav([x], 22050, format);
      const back = await decodeAudio(bytes, 'x.wav');
      expect(back.sampleRate).toBe(22050);
      expect(back.channels[0].length).toBe(x.length);
      let err = 0;
      for (let i = 0; i < x.length; i++) err = Math.max(err, Math.abs(back.channels[0][i] - x[i]));
      expect(err).toBeLessThanOrEqual(tol);
    }
  });
});

describe('encodeFlac', () => {
  it('writes 16-bit stereo FLAC that decodes to exactly the integers the 16-bit WAV holds, with their MD5 in its header', async () => {
    const rng = new Random(9);
    // 70k frames: two of the encoder's input blocks; peaks past full scale, which both formats clamp alike.
    const channels = [0, 1].map(() => Float32Array.from({ length: 70_000 }, () => 1.2 * (2 * rng.uniform() - 1)));
    const flac = await encodeFlac(channels, 44100);
    expect(String.fromCharCode(...flac.subarray(0, 4))).toBe('fLaC');
    const fromFlac = await decodeAudio(flac, 'x.flac');
    expect(fromFlac.sampleRate).toBe(44100);
    expect(fromFlac.channels.length).toBe(2);
    // audio-decode's FLAC decoder scales 16-bit integers by 1/32767.
    for (const c of [0, 1]) {
      const wrong = channels[c].filter((x, i) => Math.round(fromFlac.channels[c][i] * 32767) !== toInt16(x)).length;
      expect(wrong).toBe(0);
      expect(fromFlac.channels[c].length).toBe(70_000);
    }
    // STREAMINFO's MD5 (bytes 26-41): of the samples as interleaved little-endian 16-bit integers (FLAC format spec).
    const pcm = Buffer.alloc(70_000 * 4);
    for (let i = 0; i < 70_000; i++) for (const c of [0, 1]) pcm.writeInt16LE(toInt16(channels[c][i]), 4 * i + 2 * c);
    expect(Buffer.from(flac.subarray(26, 42)).toString('hex')).toBe(createHash('md5').update(pcm).digest('hex'));
  });

  it('rounds to 16 bits as the WAV writer does: clamped, -1 to -32768, +1 to 32767', () => {
    expect([-2, -1, -0.5, 0, 0.5, 1, 2, 1 / 65534].map(toInt16)).toEqual([-32768, -32768, -16384, 0, 16384, 32767, 32767, 1]);
  });
});

describe('limitPeaks', () => {
  it('keeps every sample under the ceiling and leaves quiet parts alone', () => {
    const rng = new Random(6);
    const x = Float32Array.from({ length: 44100 }, () => 0.15 * rng.normal()); // 6.6 sigma below the ceiling
    x[10000] = 2.5; // one loud spike
    const {
      channels: [audio],
      maxReductionDb,
    } = limitPeaks([x], 44100, { ceiling: 0.99, releaseMs: 20 });
    expect(peak(audio)).toBeLessThanOrEqual(Math.fround(0.99)); // the ceiling as a float32 sample
    expect(maxReductionDb).toBeCloseTo(20 * Math.log10(2.5 / 0.99), 1);
    // Before the look-ahead window and long after the release (20 ms time constant) the gain is exactly 1.
    for (const i of [100, 5000, 9500, 44000]) expect(audio[i]).toBe(x[i]);
  });

  it('links the gain across channels: a peak in one channel lowers both by the same factor', () => {
    const left = new Float32Array(4410).fill(0.5);
    const right = new Float32Array(4410).fill(0.25);
    left[2000] = 2;
    const { channels } = limitPeaks([left, right], 44100, { ceiling: 0.99 });
    for (const i of [1990, 2000, 2100]) expect(channels[0][i] / left[i]).toBeCloseTo(channels[1][i] / right[i], 6);
    expect(channels[0][2000]).toBeLessThanOrEqual(Math.fround(0.99));
    expect(channels[1][2000]).toBeLessThan(0.25);
  });

  it('matches a direct O(n x attack) computation of its definition, in place or not', () => {
    // The reference recomputes every window from scratch, in float64, with none of the rings the limiter streams with.
    const reference = (chs: Float32Array[], sr: number, ceiling: number, attackMs: number, releaseMs: number): Float32Array[] => {
      const n = chs[0].length;
      const L = Math.max(1, Math.round((attackMs * sr) / 1000));
      const release = Math.exp(-1000 / (releaseMs * sr));
      const required = Array.from({ length: n }, (_, i) => {
        const a = Math.max(...chs.map((c) => Math.abs(c[i])));
        return a > ceiling ? Math.fround(ceiling / a) : 1;
      });
      const windowMin = required.map((_, i) => Math.min(...required.slice(Math.max(0, i - L), i + L + 1)));
      const out = chs.map(() => new Float32Array(n));
      let gain = 1;
      for (let i = 0; i < n; i++) {
        const w = windowMin.slice(Math.max(0, i - L), i + L + 1);
        gain = Math.min(w.reduce((a, b) => a + b, 0) / w.length, 1 - (1 - gain) * release);
        if (gain > 0.99999) gain = 1;
        for (let c = 0; c < chs.length; c++) out[c][i] = chs[c][i] * gain;
      }
      return out;
    };
    const rng = new Random(8);
    const n = 6000;
    const left = Float32Array.from({ length: n }, () => 0.3 * rng.normal());
    const right = Float32Array.from({ length: n }, () => 0.2 * rng.normal());
    for (let k = 0; k < 40; k++) left[Math.floor(rng.uniform() * n)] = 1 + 2 * rng.uniform(); // sparse peaks, some overlapping windows
    const expected = reference([left, right], 8000, 0.9, 2, 10);
    const copies = [left.slice(), right.slice()];
    const fresh = limitPeaks([left, right], 8000, { ceiling: 0.9 }).channels;
    const inPlace = limitPeaks(copies, 8000, { ceiling: 0.9, inPlace: true }).channels;
    expect(inPlace[0]).toBe(copies[0]); // written over the input
    let err = 0;
    for (let c = 0; c < 2; c++) {
      for (let i = 0; i < n; i++) err = Math.max(err, Math.abs(fresh[c][i] - expected[c][i]), Math.abs(inPlace[c][i] - expected[c][i]));
    }
    expect(err).toBeLessThan(1e-6); // running sums against fresh window sums: float32 rounding of the gain at most
    expect(peak(fresh[0])).toBeLessThanOrEqual(0.9 * (1 + 1e-7)); // the ceiling, to one float32 rounding of x * gain
  });

  it('does nothing to a signal under the ceiling', () => {
    const x = Float32Array.from({ length: 1000 }, (_, i) => 0.5 * Math.sin(i / 10));
    const { channels, maxReductionDb, affectedFraction } = limitPeaks([x], 22050);
    expect(Array.from(channels[0])).toEqual(Array.from(x));
    expect(maxReductionDb).toBe(0);
    expect(affectedFraction).toBe(0);
  });
});

describe('the content level (peakGainDb, withGain)', () => {
  it('brings the loudest sample to the target, every sample by the one gain, and leaves the input alone', () => {
    const x = Float32Array.from({ length: 500 }, (_, i) => -0.02 * Math.cos(i / 5)); // its peak, -0.02, sets the gain
    const before = x.slice();
    const gainDb = peakGainDb(x, CONTENT_PEAK_DBFS);
    expect(gainDb).toBeCloseTo(-3 - 20 * Math.log10(0.02), 5); // to float32's rounding of the samples
    const scaled = withGain(x, gainDb);
    expect(peak(scaled)).toBeCloseTo(10 ** (-3 / 20), 6);
    expect(scaled[100] / x[100]).toBeCloseTo(10 ** (gainDb / 20), 5);
    expect(x).toEqual(before);
  });

  it('applies nothing to silence or within 0.05 dB of the target (a 16-bit file normalised to it), and cuts a loud clip', () => {
    expect(peakGainDb(new Float32Array(100), -3)).toBe(0);
    const at = (level: number): Float32Array => Float32Array.of(0, level, -level / 2);
    expect(peakGainDb(at(23198 / 32768), -3)).toBe(0); // sox norm -3's loudest 16-bit sample, -3.00001 dBFS
    expect(peakGainDb(at(10 ** (-3.06 / 20)), -3)).toBeCloseTo(0.06, 5);
    expect(peakGainDb(at(1.5), -3)).toBeCloseTo(-3 - 20 * Math.log10(1.5), 5);
    const unchanged = at(0.5);
    expect(withGain(unchanged, 0)).toBe(unchanged);
  });
});

describe("the style's silent ends (silentEnds)", () => {
  it('counts the samples before the first and after the last within 60 dB of the peak', () => {
    const x = new Float32Array(1000);
    for (let i = 300; i < 800; i++) x[i] = 0.5 * Math.sin(i); // sin(i) never 0 at an integer i
    x[250] = 0.5 * 10 ** (-59 / 20); // within 60 dB of the peak: not silence
    x[900] = 0.5 * 10 ** (-61 / 20); // below: silence
    const top = Math.max(...Array.from(x.subarray(300, 800), Math.abs));
    expect(top).toBeGreaterThan(0.49);
    const ends = silentEnds(x);
    expect(ends.start).toBe(250);
    expect(ends.end).toBe(1000 - 800);
    expect(silentEnds(new Float32Array(10))).toEqual({ start: 10, end: 0 });
    expect(silentEnds(Float32Array.of(1, 0, 1))).toEqual({ start: 0, end: 0 });
  });
});

describe('DC offsets (withoutDc)', () => {
  it("takes a clip's mean away, and leaves one under 0.002 (the bundled examples' size) alone", () => {
    const tone = Float32Array.from({ length: 2205 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * i) / 22.05)); // 100 whole periods
    const shifted = tone.map((v) => v + 0.02);
    const copy = shifted.slice();
    const removed = withoutDc(shifted);
    expect(Math.max(...Array.from(removed, (v, i) => Math.abs(v - tone[i])))).toBeLessThan(1e-6);
    expect(shifted).toEqual(copy); // a copy, not the caller's samples
    const small = tone.map((v) => v + 0.0015);
    expect(withoutDc(small)).toBe(small);
    expect(withoutDc(new Float32Array(0)).length).toBe(0);
  });
});
