/**
 * Quality regression: the bundled example at the default settings (full 4096-filter net, fixed seed) must keep the
 * held-out style gain and content correlation measured when the defaults were chosen (README), less a margin.
 * A change that quietly breaks quality (a wrong gradient, a phase bug, a level change) fails here.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { transfer, measureQuality, nodeRuntime, toLogSpectrogram, StftPlan } from '../src/node/index.js';
import { MIN_CONTENT_STYLE_DISTANCE, formatStyleGain } from '../src/quality/measures.js';

const clip = (name: string) => ({ bytes: new Uint8Array(readFileSync(new URL(`../examples/${name}.wav`, import.meta.url))), name });

describe('quality at the defaults', () => {
  it('speech + plucks: style gain >= 0.71 and content correlation >= 0.80 (measured 0.740 / 0.843)', async () => {
    const result = await transfer({ content: clip('speech'), style: clip('plucks') });
    const plan = new StftPlan(result.settings.nFft, result.settings.hop);
    const q = await measureQuality(nodeRuntime(), {
      content: result.spectrograms.content!,
      style: result.spectrograms.style,
      result: toLogSpectrogram(plan, result.channels[0]),
    });
    expect(q.styleGain).toBeGreaterThanOrEqual(0.71);
    expect(q.contentCorrelation).toBeGreaterThanOrEqual(0.8);
    // Griffin-Lim after the rounds reaches the optimised magnitude closely.
    expect(result.spectralConvergenceDb).toBeLessThan(-15);
  }, 180_000);
});

describe('style gain', () => {
  it('is undefined (NaN) when the content already is the style, instead of a huge ratio of noise', async () => {
    const result = await transfer({ content: clip('plucks'), style: clip('plucks'), iterations: 1, filters: 64 });
    const plan = new StftPlan(result.settings.nFft, result.settings.hop);
    const specs = { content: result.spectrograms.content!, style: result.spectrograms.style, result: toLogSpectrogram(plan, result.channels[0]) };
    const q = await measureQuality(nodeRuntime(), specs);
    expect(q.contentStyleDistance).toBeLessThan(MIN_CONTENT_STYLE_DISTANCE);
    expect(q.styleGain).toBeNaN();
    expect(formatStyleGain(q.styleGain)).toBe('n/a (the content already has the style)');
    expect(formatStyleGain(0.7261)).toBe('0.726');
  });
});
