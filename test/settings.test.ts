import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { transfer, decodeAudio, resample } from '../src/node/index.js';
import { DEFAULT_SETTINGS, displayDefault, resolveSettings, stftDefaults } from '../src/pipeline/settings.js';

describe('the FFT size and hop follow the sample rate unless given', () => {
  it('scale 2048 / 512 by the power of two nearest rate / 22050: a window lasts about as long at any rate', () => {
    const expected: [number, number, number][] = [
      [4000, 512, 128],
      [8000, 1024, 256],
      [16000, 2048, 512],
      [22050, 2048, 512],
      [44100, 4096, 1024],
      [48000, 4096, 1024],
      [96000, 8192, 2048],
      [192000, 16384, 4096],
    ];
    for (const [sampleRate, nFft, hop] of expected) {
      expect(stftDefaults(sampleRate)).toEqual({ nFft, hop });
      expect(resolveSettings({ sampleRate })).toMatchObject({ sampleRate, nFft, hop });
      // Within a factor of sqrt(2) of the default's 93 ms window, the rounding's bound.
      const ratio = nFft / sampleRate / (DEFAULT_SETTINGS.nFft / DEFAULT_SETTINGS.sampleRate);
      expect(ratio).toBeGreaterThan(Math.SQRT1_2);
      expect(ratio).toBeLessThan(Math.SQRT2);
    }
    expect(resolveSettings({})).toMatchObject({ nFft: 2048, hop: 512 });
  });

  it('keep what is given, and a hop of at most half the FFT size where only the size is given', () => {
    expect(resolveSettings({ sampleRate: 44100, nFft: 2048, hop: 512 })).toMatchObject({ nFft: 2048, hop: 512 });
    expect(resolveSettings({ sampleRate: 44100, hop: 256 })).toMatchObject({ nFft: 4096, hop: 256 });
    expect(resolveSettings({ sampleRate: 44100, nFft: '8192' })).toMatchObject({ nFft: 8192, hop: 1024 });
    expect(resolveSettings({ nFft: 1024 })).toMatchObject({ nFft: 1024, hop: 512 }); // as before this rule
    expect(resolveSettings({ nFft: 512 })).toMatchObject({ nFft: 512, hop: 256 }); // was 512: no overlap at all
    expect(() => resolveSettings({ nFft: 512, hop: 1024 })).toThrow('--hop 1024: must not exceed --n-fft 512');
  });

  it('are shown with the rule in --help and the README', () => {
    expect(displayDefault('nFft')).toBe('2048; 4096 at --sr 44100');
    expect(displayDefault('hop')).toBe('512; 1024 at --sr 44100, at most --n-fft / 2');
    expect(displayDefault('sampleRate')).toBe('22050');
  });

  it('a run at 44.1 kHz uses 4096 / 1024 and writes 44.1 kHz audio of the content length', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('../examples/speech.wav', import.meta.url)));
    const speech = await decodeAudio(bytes, 'speech.wav');
    const content = { channels: [await resample(speech.channels[0].subarray(0, 22050), 22050, 44100)], sampleRate: 44100 };
    const style = { bytes: new Uint8Array(readFileSync(new URL('../examples/plucks.wav', import.meta.url))), name: 'plucks.wav' };
    const result = await transfer({ content, style, sampleRate: 44100, filters: 32, kernel: 3, iterations: 2, rounds: 1, phaseIterations: 2 });
    expect(result.settings).toMatchObject({ sampleRate: 44100, nFft: 4096, hop: 1024 });
    expect(result.sampleRate).toBe(44100);
    expect(result.channels[0].length).toBe(44100);
    expect(result.spectrograms.result.bins).toBe(2049);
  });
});
