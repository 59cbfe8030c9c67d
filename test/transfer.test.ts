import { describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  transfer, decodeAudio, encodeWav, contentTermWeight, CONTENT_WEIGHT_REFERENCE_FRAMES, CancelledError, UsageError, InputError, StftPlan, toLogSpectrogram, contentCorrelation,
  type AudioClip, type ProgressEvent,
} from '../src/node/index.js';
import { StyleNet } from '../src/model/style-net.js';
import { stageEta } from '../src/pipeline/eta.js';
import { transfer as coreTransfer, type TransferResult } from '../src/pipeline/transfer.js';
import { LEVEL_WARNING_DB, assessResult, runReport } from '../src/pipeline/assess.js';
import { nodeRuntime, ResourceError } from '../src/node/index.js';
import { createSession, isOutOfMemory, type OrtApi, type Runtime } from '../src/model/runtime.js';
import { WASM_HEAP_LIMIT_BYTES, estimateMemory, formatBytes } from '../src/pipeline/memory.js';
import { resolveSettings } from '../src/pipeline/settings.js';
import { frameCount } from '../src/dsp/stft.js';
import { GraphBuilder } from '../src/model/onnx-graph.js';
import type { PeakReport } from '../src/pipeline/peaks.js';
import { measureRhythm } from '../src/quality/rhythm.js';

async function example(name: string, seconds: number): Promise<AudioClip> {
  const clip = await decodeAudio(new Uint8Array(readFileSync(new URL(`../examples/${name}.wav`, import.meta.url))), name);
  return { channels: clip.channels.map((c) => c.slice(0, Math.round(seconds * clip.sampleRate))), sampleRate: clip.sampleRate };
}

// A small net keeps each run well under a second; the method is the same at 4096 filters.
// The style term alone unless a test asks for a content term: these tests follow the style loss as it falls.
const small = { filters: 128, kernel: 5, threads: 2, contentWeight: 0 } as const;

describe('transfer end to end (2 s clips, small net)', () => {
  it('lowers the style loss at least 10x and writes a decodable WAV of the content length with finite samples', async () => {
    const content = await example('speech', 2);
    const style = await example('plucks', 2);
    const result = await transfer({ ...small, content, style, iterations: 30, phaseIterations: 16, rounds: 1 });
    expect(result.initialLoss / result.finalLoss.style).toBeGreaterThan(10);
    expect(result.channels[0].length).toBe(content.channels[0].length);
    expect(result.lossHistory.length).toBeGreaterThan(2);
    for (let i = 1; i < result.lossHistory.length; i++) expect(result.lossHistory[i]).toBeLessThanOrEqual(result.lossHistory[i - 1]);
    const wav = await encodeWav(result.channels, result.sampleRate);
    const back = await decodeAudio(wav, 'out.wav');
    expect(back.sampleRate).toBe(22050);
    expect(back.channels[0].length).toBe(content.channels[0].length);
    expect(back.channels[0].every(Number.isFinite)).toBe(true);
    expect(Math.max(...back.channels[0].map(Math.abs))).toBeLessThanOrEqual(1);
    expect(result.timings.total).toBeGreaterThan(0);
    expect(Number.isFinite(result.spectralConvergenceDb)).toBe(true);
  });

  it('in rounds, re-analyses Griffin-Lim audio between rounds: better phase, loss still falls 10x', async () => {
    const content = await example('speech', 2);
    const style = await example('plucks', 2);
    const once = await transfer({ ...small, content, style, iterations: 30, phaseIterations: 16, rounds: 1 });
    // One net for every round, so that the first and last losses are of the same net.
    const rounds = await transfer({ ...small, content, style, iterations: 30, phaseIterations: 16, rounds: 3, roundNets: 'same' });
    expect(rounds.initialLoss / rounds.finalLoss.style).toBeGreaterThan(10);
    // Where rounds 2 and 3 begin in the loss history (for the plot): inside it, in order.
    expect(rounds.roundStarts).toHaveLength(2);
    expect(rounds.roundStarts[0]).toBeGreaterThan(0);
    expect(rounds.roundStarts[1]).toBeGreaterThan(rounds.roundStarts[0]);
    expect(rounds.roundStarts[1]).toBeLessThan(rounds.lossHistory.length);
    expect(once.roundStarts).toEqual([]);
    // The final spectrogram of a round run is close to one a signal has: Griffin-Lim reaches it more closely.
    expect(rounds.spectralConvergenceDb).toBeLessThan(once.spectralConvergenceDb - 3);
  });

  it('accepts a style longer or shorter than the content, and different sample rates', async () => {
    const content = await example('speech', 2);
    for (const styleSeconds of [0.8, 4]) {
      const style = await example('drums', styleSeconds);
      // Resample the style to 44.1 kHz first: the pipeline must bring both to --sr.
      const style44 = { channels: [Float32Array.from({ length: style.channels[0].length * 2 }, (_, i) => style.channels[0][i >> 1])], sampleRate: 44100 };
      const result = await transfer({ ...small, content, style: style44, iterations: 5, phaseIterations: 4 });
      expect(result.channels[0].length).toBe(content.channels[0].length);
      expect(result.finalLoss.style).toBeLessThan(result.initialLoss);
      // The result says what came in, at the inputs' own rates, not the working rate.
      expect(result.inputs).toEqual({
        content: { name: 'content', sampleRate: 22050, channels: 1, seconds: 2, gainDb: [0] }, // at -3 dBFS already
        style: { name: 'style', sampleRate: 44100, channels: 1, seconds: style44.channels[0].length / 44100, silenceLeftOut: { start: 0, end: 0 } },
      });
    }
  });

  it('uses the N x N Gram form when the clips are long next to the filter count, with the same result quality', async () => {
    const content = await example('speech', 2);
    const style = await example('plucks', 2);
    // 32 filters < content + style frames: gram form; the loss must still fall 10x.
    const result = await transfer({ ...small, filters: 32, content, style, iterations: 30, phaseIterations: 4 });
    expect(result.initialLoss / result.finalLoss.style).toBeGreaterThan(10);
  });

  it('adds a content term that keeps the result nearer the content', async () => {
    const content = await example('speech', 2);
    const style = await example('plucks', 2);
    const without = await transfer({ ...small, content, style, iterations: 15, phaseIterations: 0 });
    const withContent = await transfer({ ...small, content, style, iterations: 15, phaseIterations: 0, contentWeight: 10 });
    expect(withContent.finalLoss.content).toBeGreaterThan(0);
    const distance = (x: Float32Array): number => x.reduce((s, v, i) => s + (v - without.spectrograms.content!.data[i]) ** 2, 0);
    expect(distance(withContent.spectrograms.result.data)).toBeLessThan(distance(without.spectrograms.result.data));
  });

  it("gives the same result whatever the content's recording level, unless told to keep it", async () => {
    const content = await example('speech', 2);
    const style = await example('plucks', 2);
    const quiet = { channels: [content.channels[0].map((v) => v * 0.01)], sampleRate: content.sampleRate }; // -40 dB
    const quietCopy = quiet.channels[0].slice();
    const settings = { ...small, style, iterations: 8, rounds: 2, phaseIterations: 4, contentWeight: 0.5 };
    const asIs = await transfer({ ...settings, content });
    const raised = await transfer({ ...settings, content: quiet });
    expect(asIs.inputs.content?.gainDb).toEqual([0]); // the bundled example's peak is -3 dBFS already
    expect(raised.inputs.content?.gainDb?.[0]).toBeCloseTo(40, 3);
    expect(quiet.channels[0]).toEqual(quietCopy); // scaled in a copy, not in the caller's samples
    const largestDifference = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    // The same run, but for float32's rounding of the scaled samples.
    expect(largestDifference(raised.channels[0], asIs.channels[0])).toBeLessThan(1e-3);
    expect(raised.finalLoss.total).toBeCloseTo(asIs.finalLoss.total, 0);
    // Kept as recorded, the quiet content reaches the nets 40 dB down, in log1p's linear range: another result.
    const kept = await transfer({ ...settings, content: quiet, contentLevel: 'keep' });
    expect(kept.inputs.content?.gainDb).toEqual([0]);
    expect(largestDifference(kept.channels[0], asIs.channels[0])).toBeGreaterThan(0.05);
    // Each channel of a stereo content on its own: a right channel 40 dB down gives the right channel of a balanced pair.
    const melody = await example('melody', 2);
    const balanced = await transfer({ ...settings, content: { channels: [content.channels[0], melody.channels[0]], sampleRate: content.sampleRate } });
    const unbalanced = await transfer({ ...settings, content: { channels: [content.channels[0], melody.channels[0].map((v) => v * 0.01)], sampleRate: content.sampleRate } });
    expect(unbalanced.inputs.content!.gainDb![1] - balanced.inputs.content!.gainDb![1]).toBeCloseTo(40, 3);
    expect(largestDifference(unbalanced.channels[1], balanced.channels[1])).toBeLessThan(1e-3);
    // Raised from near silence, its noise comes up too: the run says so (not at -43 dBFS, a quiet recording).
    expect(raised.warnings.filter((w) => w.includes('raised'))).toEqual([]);
    const nearSilent = { channels: [content.channels[0].map((v) => v * 1e-4)], sampleRate: content.sampleRate }; // -83 dBFS
    const faint = await transfer({ ...settings, content: nearSilent, iterations: 1, rounds: 1 });
    expect(faint.warnings).toContain('content: peaks at -83 dBFS: raised by 80 dB to -3 dBFS, its noise with it (--content-level keep analyses it as recorded)');
  });

  it("leaves a style's silent ends out when they last over a quarter second, and says so", async () => {
    const content = await example('speech', 2);
    const style = await example('plucks', 2);
    const padded = (startSeconds: number, endSeconds: number): AudioClip => {
      const [before, after] = [startSeconds, endSeconds].map((s) => Math.round(s * style.sampleRate));
      const x = new Float32Array(before + style.channels[0].length + after);
      x.set(style.channels[0], before);
      return { channels: [x], sampleRate: style.sampleRate };
    };
    const settings = { ...small, content, iterations: 6, rounds: 2, phaseIterations: 4, contentWeight: 0.5 };
    const plain = await transfer({ ...settings, style });
    const trimmed = await transfer({ ...settings, style: padded(1.5, 2) });
    expect(trimmed.inputs.style.silenceLeftOut).toEqual({ start: 1.5, end: 2 });
    expect(trimmed.warnings).toContain('style: silence left out, 1.5 s at its start and 2.0 s at its end (--style-silence keep analyses it as given)');
    const largestDifference = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    expect(largestDifference(trimmed.channels[0], plain.channels[0])).toBe(0); // the same samples analysed: the same run
    // Kept, the silence waters the style's statistics down: another result.
    const kept = await transfer({ ...settings, style: padded(1.5, 2), styleSilence: 'keep' });
    expect(kept.inputs.style.silenceLeftOut).toBeUndefined();
    expect(largestDifference(kept.channels[0], plain.channels[0])).toBeGreaterThan(0.05);
    // An end of 0.2 s stays (a loop's closing rest); so does every end of a style that would be too short without them.
    const shortRest = await transfer({ ...settings, style: padded(0, 0.2), iterations: 1, rounds: 1 });
    expect(shortRest.inputs.style.silenceLeftOut).toEqual({ start: 0, end: 0 });
    expect(shortRest.warnings.filter((w) => w.includes('silence'))).toEqual([]);
    const blip = { channels: [new Float32Array(2 * style.sampleRate)], sampleRate: style.sampleRate };
    blip.channels[0].set(style.channels[0].subarray(0, 1000), style.sampleRate); // 45 ms of sound in 2 s
    const whole = await transfer({ ...settings, style: blip, iterations: 1, rounds: 1 });
    expect(whole.inputs.style.silenceLeftOut).toEqual({ start: 0, end: 0 });
  });

  it('takes a DC offset out of either clip before analysis', async () => {
    const content = await example('speech', 2);
    const style = await example('drums', 2);
    const settings = { ...small, iterations: 6, rounds: 2, phaseIterations: 4, contentWeight: 0.5 };
    const shifted = (clip: AudioClip, offset: number): AudioClip => ({ channels: clip.channels.map((c) => c.map((v) => v + offset)), sampleRate: clip.sampleRate });
    const largestDifference = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    // The clips with their own small offsets taken out too (under 0.002, which a run leaves): what the shifted clips,
    // whose whole mean a run takes out, must come back to.
    const centred = (clip: AudioClip): AudioClip => shifted(clip, -clip.channels[0].reduce((a, v) => a + v, 0) / clip.channels[0].length);
    const plain = await transfer({ ...settings, content: centred(content), style: centred(style) });
    for (const [role, offset] of [['style', 0.05], ['content', -0.05]] as const) {
      const clips = { content: centred(content), style: centred(style) };
      const result = await transfer({ ...settings, ...clips, [role]: shifted(clips[role], offset) });
      expect(largestDifference(result.channels[0], plain.channels[0]), role).toBeLessThan(1e-3);
    }
  });

  it("reads a stereo style's channels apart, so that their phase differences cancel nothing", async () => {
    const content = await example('speech', 1);
    const style = await example('plucks', 2);
    const left = style.channels[0];
    const delayed = new Float32Array(left.length);
    delayed.set(left.subarray(0, left.length - 22), 22); // the right channel 1 ms later: a spaced pair, a Haas widening
    const settings = { ...small, content, iterations: 1, rounds: 1, phaseIterations: 2 };
    const mono = await transfer({ ...settings, style });
    const stereo = await transfer({ ...settings, style: { channels: [left, delayed], sampleRate: style.sampleRate } });
    const meanDifference = (a: Float32Array, b: Float32Array): number => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]), 0) / a.length;
    // The style as analysed: near the one channel's, where the mix's comb filter (notches every 1 kHz) is far from it.
    const plan = new StftPlan(2048, 512);
    const mix = toLogSpectrogram(plan, left.map((v, i) => (v + delayed[i]) / 2));
    const apart = meanDifference(stereo.spectrograms.style.data, mono.spectrograms.style.data);
    expect(apart).toBeLessThan(0.02);
    expect(meanDifference(mix.data, mono.spectrograms.style.data)).toBeGreaterThan(10 * apart);
    // Identical channels are one: a dual-mono style is the mono style, bit for bit.
    const dual = await transfer({ ...settings, style: { channels: [left, left.slice()], sampleRate: style.sampleRate } });
    expect(dual.channels[0]).toEqual(mono.channels[0]);
  });

  it('scales the content weight to Ulyanov\'s alpha by the reference over the actual feature frames', () => {
    // Kernel 11: 430 frames give 420 feature frames, so the weight is alpha there; 850 frames (840) halve it.
    expect(CONTENT_WEIGHT_REFERENCE_FRAMES).toBe(430);
    expect(contentTermWeight(0.3, 430, 11)).toBeCloseTo(0.3, 12);
    expect(contentTermWeight(0.3, 850, 11)).toBeCloseTo(0.15, 12);
    expect(contentTermWeight(0.3, 220, 11)).toBeCloseTo(0.6, 12);
    expect(contentTermWeight(0, 100, 5)).toBe(0);
  });

  it('gives a content weight the same effect at any length: a looped content ends as far from its style', async () => {
    const once = await example('speech', 2);
    const style = await example('plucks', 2);
    const loop = once.channels[0];
    const looped = { channels: [Float32Array.from({ length: loop.length * 3 }, (_, i) => loop[i % loop.length])], sampleRate: once.sampleRate };
    const settings = { ...small, style, iterations: 15, phaseIterations: 0, rounds: 1, contentWeight: 0.01 };
    // How much of the style loss is left: the content term holds it up.
    const left = (r: Awaited<ReturnType<typeof transfer>>) => r.finalLoss.style / r.initialLoss;
    const short = left(await transfer({ ...settings, content: once }));
    const long = left(await transfer({ ...settings, content: looped }));
    const free = left(await transfer({ ...settings, content: once, contentWeight: 0 }));
    // Measured: 0.090 (2 s), 0.090 (6 s), 0.055 without the content term. A fixed alpha, whose content sum grows with
    // the frames, held the 6 s clip as a 3x weight does (0.178 left).
    expect(short / free).toBeGreaterThan(1.3);
    expect(long / short).toBeGreaterThan(0.85);
    expect(long / short).toBeLessThan(1.18);
  });

  it('sums the style losses of several nets with --kernels', async () => {
    const content = await example('speech', 2);
    const style = await example('plucks', 2);
    const result = await transfer({ ...small, content, style, kernels: [3, 9], iterations: 20, phaseIterations: 4, rounds: 1 });
    expect(result.settings.kernels).toEqual([3, 9]);
    expect(result.initialLoss / result.finalLoss.style).toBeGreaterThan(10);
    await expect(transfer({ ...small, content, style, kernels: [3, 0] })).rejects.toThrow(
      '--kernels 3,0: must be a comma-separated list of at most 4 integers in [1, 255]',
    );
  });

  it('optimises with Adam too', async () => {
    const content = await example('speech', 2);
    const style = await example('plucks', 2);
    const result = await transfer({ ...small, content, style, optimizer: 'adam', iterations: 40, learningRate: 0.05, phaseIterations: 0, rounds: 1 });
    expect(result.finalLoss.style).toBeLessThan(result.initialLoss / 3);
  });

  it('keeps stereo content stereo: each channel restyled, both of the content length', async () => {
    const speech = await example('speech', 1);
    const melody = await example('melody', 1);
    const style = await example('plucks', 1);
    const stereo = { channels: [speech.channels[0], melody.channels[0]], sampleRate: 22050 };
    const result = await transfer({ ...small, content: stereo, style, iterations: 6, phaseIterations: 4 });
    expect(result.channels).toHaveLength(2);
    expect(result.channels[1].length).toBe(result.channels[0].length);
    expect(result.optimiser.evaluations).toBeGreaterThan(8); // two optimisations
    // The channels keep their own content: the left one is nearer the speech, the right one nearer the melody.
    const plan = new StftPlan(2048, 512);
    const spec = (x: Float32Array) => toLogSpectrogram(plan, x);
    const [left, right] = result.channels.map(spec);
    const [speechSpec, melodySpec] = stereo.channels.map(spec);
    expect(contentCorrelation(speechSpec, left)).toBeGreaterThan(contentCorrelation(melodySpec, left));
    expect(contentCorrelation(melodySpec, right)).toBeGreaterThan(contentCorrelation(speechSpec, right));

    const mono = await transfer({ ...small, content: stereo, style, iterations: 6, phaseIterations: 4, mono: true });
    expect(mono.channels).toHaveLength(1);
    expect(mono.optimiser.evaluations).toBeLessThan(result.optimiser.evaluations);
  });

  it('runs stereo rounds outside the channels: the style statistics once per round, each channel as if alone', async () => {
    const speech = await example('speech', 1);
    const melody = await example('melody', 1);
    const style = await example('plucks', 1);
    const stereo = { channels: [speech.channels[0], melody.channels[0]], sampleRate: 22050 };
    const styleTarget = vi.spyOn(StyleNet.prototype, 'styleTarget');
    try {
      // The work between evaluations is announced as it begins, in the order the schedule does it.
      const announced = {
        vary: [
          'round 1: phase reconstruction', 'round 1: building the objective', 'round 1: phase reconstruction',
          'round 2: style statistics', 'round 2: building the objective', 'round 2: phase reconstruction',
          'round 2: building the objective', 'round 2: phase reconstruction',
          'round 3: style statistics', 'round 3: building the objective', 'round 3: building the objective',
        ],
        same: ['round 1: phase reconstruction', 'round 2: phase reconstruction', 'round 1: building the objective', 'round 1: phase reconstruction', 'round 2: phase reconstruction'],
      };
      for (const [roundNets, passes] of [['vary', 3], ['same', 1]] as const) {
        styleTarget.mockClear();
        const settings = { ...small, style, iterations: 6, phaseIterations: 4, rounds: 3, roundNets, contentWeight: 0.5 };
        const events: ProgressEvent[] = [];
        const both = await transfer({ ...settings, content: stereo }, { onProgress: (e) => e.stage === 'optimise' && events.push(e) });
        // One pass over the style per net a round uses, whatever the channels: 3 with a new net each round, 1 with one.
        expect(styleTarget).toHaveBeenCalledTimes(passes);
        const activities = events.filter((e) => e.activity !== undefined);
        expect(activities.map((e) => e.activity)).toEqual(announced[roundNets]);
        for (const e of activities) {
          expect(e.loss).toBeUndefined(); // no loss point for a live curve to draw twice
          expect(e.remainingMs).toBeGreaterThan(0);
        }
        for (let i = 1; i < events.length; i++) expect(events[i].step).toBeGreaterThanOrEqual(events[i - 1].step);
        // The left channel's optimisation is the one a mono run of it does, loss for loss, and round for round.
        const left = await transfer({ ...settings, content: { channels: [speech.channels[0]], sampleRate: 22050 } });
        expect(both.lossHistory).toEqual(left.lossHistory);
        expect(both.roundStarts).toEqual(left.roundStarts);
        // The losses shown come in runs of one round and channel, in the schedule's order. Within a run they never
        // rise (no line search trial is shown), and each run ends at the round's last accepted loss.
        const runs: { key: string; losses: number[] }[] = [];
        for (const e of events.filter((ev) => ev.loss !== undefined)) {
          const key = `${e.round}/${e.channel}`;
          if (runs.at(-1)?.key !== key) runs.push({ key, losses: [] });
          runs.at(-1)!.losses.push(e.loss!);
        }
        expect(runs.map((r) => r.key)).toEqual(roundNets === 'vary' ? ['1/0', '1/1', '2/0', '2/1', '3/0', '3/1'] : ['1/0', '2/0', '3/0', '1/1', '2/1', '3/1']);
        for (const { losses } of runs) for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThanOrEqual(losses[i - 1]);
        const leftRuns = runs.filter((r) => r.key.endsWith('/0'));
        expect(leftRuns[0].losses[0]).toBe(left.lossHistory[0]);
        const roundEnds = [...left.roundStarts.map((start) => left.lossHistory[start - 1]), left.lossHistory.at(-1)];
        expect(leftRuns.map((r) => r.losses.at(-1))).toEqual(roundEnds);
      }
    } finally {
      styleTarget.mockRestore();
    }
  });

  it('reads a long style whole for the first net and in spread excerpts of a minute for the later rounds\' nets', async () => {
    const content = await example('speech', 2);
    const plucks = await example('plucks', 3);
    // A 90 s style: longer than the minute a later round reads (content 2 s, so the minute is the cap).
    const loop = new Float32Array(plucks.channels[0].length * 30);
    for (let k = 0; k < 30; k++) loop.set(plucks.channels[0], k * plucks.channels[0].length);
    const style = { channels: [loop], sampleRate: 22050 };
    const styleTarget = vi.spyOn(StyleNet.prototype, 'styleTarget');
    try {
      const result = await transfer({ ...small, content, style, iterations: 6, phaseIterations: 4, rounds: 3 });
      expect(result.channels[0].length).toBe(content.channels[0].length);
      const framesRead = styleTarget.mock.calls.map(([parts]) => (Array.isArray(parts) ? parts : [parts]).map((p) => p.frames));
      const styleFrames = 1 + Math.floor(loop.length / 512); // centred frames
      expect(framesRead[0]).toEqual([styleFrames]);
      // Rounds 2 and 3: six 10 s excerpts (431 frames) each, 2586 frames of 3877, read at different places.
      expect(framesRead.slice(1)).toEqual([Array(6).fill(431), Array(6).fill(431)]);
      expect(styleTarget.mock.calls[1][0]).not.toEqual(styleTarget.mock.calls[2][0]);
    } finally {
      styleTarget.mockRestore();
    }
  });

  it('restyles dual-mono content once and copies it to both channels', async () => {
    const speech = await example('speech', 1);
    const style = await example('plucks', 1);
    const dual = { channels: [speech.channels[0], speech.channels[0].slice()], sampleRate: 22050 };
    const result = await transfer({ ...small, content: dual, style, iterations: 6, phaseIterations: 4 });
    const single = await transfer({ ...small, content: { channels: [speech.channels[0]], sampleRate: 22050 }, style, iterations: 6, phaseIterations: 4 });
    expect(result.channels).toHaveLength(2);
    expect(result.channels[1]).toEqual(result.channels[0]);
    expect(result.optimiser.evaluations).toBe(single.optimiser.evaluations);
  });

  it('mixes content with more than two channels to mono, and says so', async () => {
    const speech = await example('speech', 1);
    const style = await example('plucks', 1);
    const six = { channels: Array.from({ length: 6 }, () => speech.channels[0]), sampleRate: 22050 };
    const result = await transfer({ ...small, content: six, style, iterations: 2, phaseIterations: 2 });
    expect(result.channels).toHaveLength(1);
    expect(result.warnings).toContain('content has 6 channels: mixed to mono (stereo is kept, more is not)');
  });

  it('synthesises a texture of the requested duration without content', async () => {
    const style = await example('drums', 2);
    const result = await transfer({ ...small, style, duration: 1.5, iterations: 20, phaseIterations: 8, roundNets: 'same' });
    expect(result.channels[0].length).toBe(Math.round(1.5 * 22050));
    expect(result.finalLoss.style).toBeLessThan(result.initialLoss / 10);
    expect(result.warnings.filter((w) => w.includes('no effect'))).toEqual([]);
    // Settings about the content are named, not silently dropped.
    const told = await transfer({ ...small, style, duration: 1, iterations: 2, phaseIterations: 2, contentWeight: 1, init: 'noise' });
    expect(told.warnings).toContain('--content-weight and --init have no effect in texture synthesis (there is no content)');
    const once = await transfer({ ...small, style, duration: 1, iterations: 2, phaseIterations: 2, contentWeight: 0.5 });
    expect(once.warnings).toContain('--content-weight has no effect in texture synthesis (there is no content)');
  });

  it('synthesises a 44.1 kHz texture of a 22.05 kHz style with the rhythm term spending nothing on the empty top octave', async () => {
    // The bundled drums hold nothing above 11.025 kHz: resampled to 44.1 kHz those bins are the resampler's floor. The
    // rhythm term once weighted each band by one over its onset spread, so those empty bands drew each round's first
    // step (sized by its largest change) into inaudible bins: the optimised top octave moved twice as far as without
    // the term (mean |log magnitude| 0.039-0.045 against 0.019-0.022, seeds 0-2, measured with
    // RHYTHM_TERM_MIN_SPREAD = 0), and the pulse came out less near the style's. Now it moves as without the term
    // (0.018-0.020), and the term brings the pulse nearer (rhythm distance 0.14-0.19 against 0.24-0.30 without).
    const style = await example('drums', 8);
    const settings = { style, duration: 4, sampleRate: 44100, filters: 512, iterations: 10, rounds: 3, threads: 2, seed: 0 } as const;
    const [withTerm, without] = [await transfer({ ...settings, rhythmWeight: 1 }), await transfer({ ...settings, rhythmWeight: 0 })];
    const topOctave = (s: { data: Float32Array; bins: number; frames: number }): number => {
      const from = Math.ceil(s.bins / 2) + 4; // above 11.025 kHz, clear of the resampler's transition band
      let sum = 0;
      for (let i = from * s.frames; i < s.data.length; i++) sum += Math.abs(s.data[i]);
      return sum / (s.data.length - from * s.frames);
    };
    expect(withTerm.spectrograms.result.bins).toBe(2049);
    expect(topOctave(withTerm.spectrograms.style)).toBeLessThan(1e-4); // the style's top octave is empty
    expect(topOctave(withTerm.spectrograms.result)).toBeLessThan(1.3 * topOctave(without.spectrograms.result));
    const layout = { sampleRate: 44100, nFft: withTerm.settings.nFft, hop: withTerm.settings.hop };
    const distance = (r: typeof withTerm): number => measureRhythm({ style: r.spectrograms.style, result: r.spectrograms.result }, layout).rhythmDistance;
    expect(distance(withTerm)).toBeLessThan(0.8 * distance(without));
  });

  it('stops the quality measures, as the transfer, on its cancelled signal', async () => {
    const result = await transfer({ ...small, content: await example('speech', 2), style: await example('plucks', 2), iterations: 1, phaseIterations: 2 });
    const controller = new AbortController();
    controller.abort();
    await expect(assessResult(nodeRuntime(2), result, { quality: true, signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);
    expect((await assessResult(nodeRuntime(2), result, { quality: true })).quality).toBeDefined();
  });

  it('says, with the measures, when --peak scale lowered the result enough for them to read it as less styled', async () => {
    const result = await transfer({ ...small, content: await example('speech', 2), style: await example('plucks', 2), iterations: 1, phaseIterations: 2 });
    const scaledBy = (reductionDb: number, control: PeakReport['control'] = 'scale'): TransferResult => ({ ...result, peaks: { control, peak: 2, reductionDb, affectedFraction: 1 } });
    const warned = async (gainDb: number, quality = true): Promise<string[]> => (await assessResult(nodeRuntime(2), scaledBy(-gainDb), { quality })).warnings;
    expect(await warned(-5.5)).toEqual([
      'the quality was measured on the output as written, 5.5 dB down (--peak scale): the measures read a quieter result as less styled, so compare runs made with the same --peak',
    ]);
    expect(await warned(-LEVEL_WARNING_DB)).toHaveLength(1);
    expect(await warned(-0.5)).toEqual([]); // within a decibel
    expect(await warned(-5.5, false)).toEqual([]); // no measures, nothing to read wrongly
    expect((await assessResult(nodeRuntime(2), scaledBy(5.5, 'limit'), { quality: true })).warnings).toEqual([]); // the level is kept
    // The report carries it with the run's own warnings.
    const assessment = await assessResult(nodeRuntime(2), scaledBy(3), { quality: true });
    expect(runReport(result, assessment, 'out.wav').warnings.at(-1)).toMatch(/^the quality was measured on the output as written, 3\.0 dB down/);
  });

  it("stops drawing a net's weights at the first group of filters after a cancel, not at the end of the draw", async () => {
    // 2048 filters in DFT form are drawn and transformed in 4 groups of 512 (about a second for the default 4096 here):
    // Ctrl-C 0.3 s into a 20 s run took 1.45 s to exit when the check came only after the draw, 0.17 s with it.
    const net = StyleNet.create(nodeRuntime(2), { bins: 1025, filters: 2048, kernel: 11 }, 0);
    let checks = 0;
    const checkCancel = (): void => {
      if (++checks === 2) throw new CancelledError();
    };
    await expect(net.prepare(checkCancel)).rejects.toBeInstanceOf(CancelledError);
    expect(checks).toBe(2);
    // Nothing half-made is kept: a later prepare draws it all.
    checks = -10;
    await net.prepare(checkCancel);
    expect(checks).toBe(-6);
    await net.dispose();
  });

  it('reports progress through every stage in order, and can be cancelled within one step', async () => {
    const content = await example('speech', 2);
    const style = await example('plucks', 2);
    const stages: string[] = [];
    await transfer({ ...small, content, style, iterations: 3, phaseIterations: 8 }, { onProgress: (e) => stages.push(e.stage) });
    expect([...new Set(stages)]).toEqual(['decode', 'analyse', 'optimise', 'phase']);

    const controller = new AbortController();
    const events: ProgressEvent[] = [];
    const run = transfer(
      { ...small, content, style, iterations: 200 },
      {
        signal: controller.signal,
        onProgress: (e) => {
          events.push(e);
          if (e.stage === 'optimise' && e.iteration === 2) controller.abort();
        },
      },
    );
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    const iterations = events.filter((e) => e.stage === 'optimise').map((e) => e.iteration ?? 0);
    expect(Math.max(...iterations)).toBe(2);
    expect(events.some((e) => e.stage === 'phase')).toBe(false);
  });

  it('reports a long style\'s pass in the analyse stage by its share done, with an ETA, and in later rounds as activity', async () => {
    const content = await example('speech', 2);
    const loop = (await example('plucks', 4)).channels[0];
    // 32 s of style (the 4 s plucks 8 times): the Gram form, read in three 512-frame chunks by the DFT-block convolution
    // (kernel 11).
    const style = { channels: [Float32Array.from({ length: 8 * loop.length }, (_, i) => loop[i % loop.length])], sampleRate: 22050 };
    const events: ProgressEvent[] = [];
    await transfer({ ...small, kernel: 11, content, style, iterations: 2, rounds: 2 }, { onProgress: (e) => void events.push(e) });
    const analyse = events.filter((e) => e.stage === 'analyse' && e.activity !== undefined);
    expect(analyse.length).toBeGreaterThanOrEqual(3);
    expect(analyse.map((e) => e.total)).toEqual(analyse.map(() => 100));
    for (let i = 1; i < analyse.length; i++) expect(analyse[i].step).toBeGreaterThan(analyse[i - 1].step);
    expect(analyse[0].activity).toMatch(/^style statistics \d+%$/);
    expect(analyse[0].remainingMs).toBeGreaterThan(0);
    expect([analyse.at(-1)!.step, analyse.at(-1)!.remainingMs]).toEqual([100, 0]);
    // Round 2's new net reads the style again (whole: it is under a minute), between evaluations.
    const later = events.filter((e) => e.stage === 'optimise' && e.activity?.startsWith('round 2: style statistics '));
    expect(later.map((e) => e.activity)).toContain('round 2: style statistics 100%');
  });

  it("tells how far a long clip's evaluation is, so that the ETA need not wait for the first one to end", async () => {
    // 16 s at a 64-sample hop: 5.5k frames, past the 4096 feature frames from which the objective runs in chunks.
    const speech = (await example('speech', 5.3)).channels[0];
    const content = { channels: [Float32Array.from({ length: 3 * speech.length }, (_, i) => speech[i % speech.length])], sampleRate: 22050 };
    const events: ProgressEvent[] = [];
    const settings = { ...small, nFft: 128, hop: 64, iterations: 1, rounds: 1, convolution: 'direct' as const };
    await transfer({ ...settings, content, style: await example('plucks', 2) }, { onProgress: (e) => void (e.stage === 'optimise' && events.push(e)) });
    const firstLoss = events.findIndex((e) => e.loss !== undefined);
    const during = events.slice(0, firstLoss).filter((e) => e.activity !== undefined);
    // Three chunks of 2048 feature frames a pass (onnxruntime's Conv), two passes; 100% is not told.
    expect(during).toHaveLength(5);
    const percents = during.map((e) => Number(/^evaluation 1: (\d+)%$/.exec(e.activity!)?.[1]));
    for (let i = 1; i < percents.length; i++) expect(percents[i]).toBeGreaterThan(percents[i - 1]);
    expect(percents.at(-1)).toBeLessThan(100);
    for (const e of during) {
      expect([e.step, e.evaluations, e.loss]).toEqual([0, 0, undefined]);
      expect(e.remainingMs).toBeGreaterThan(0);
      expect(Number.isFinite(e.remainingMs)).toBe(true);
    }
    // Later evaluations are told too, by their own number.
    expect(events.some((e) => e.activity?.startsWith('evaluation 2: '))).toBe(true);
  });

  it('gives its memory estimate once, in the analyse stage, before optimising', async () => {
    const events: ProgressEvent[] = [];
    const content = await example('speech', 2);
    const settings = { ...small, iterations: 1, rounds: 1 };
    await transfer({ ...settings, content, style: await example('plucks', 2) }, { onProgress: (e) => void events.push(e) });
    const withMemory = events.filter((e) => e.memory !== undefined);
    expect(withMemory).toHaveLength(1);
    const [e] = withMemory;
    expect(e.stage).toBe('analyse');
    const s = resolveSettings(settings);
    const frames = frameCount(content.channels[0].length, s.hop);
    // The arrays', and Node's Griffin-Lim worker threads (2 that compute and the keeper, 20 MiB each).
    const arrays = estimateMemory(s, frames, frames);
    expect(e.memory).toEqual({ ...arrays, totalBytes: arrays.totalBytes + (nodeRuntime(2).threadBytes as number) });
    expect(nodeRuntime(2).threadBytes).toBe(3 * 20 * 2 ** 20);
    expect(events.indexOf(e)).toBeLessThan(events.findIndex((ev) => ev.stage === 'optimise'));
  });

  it("estimates a GPU run without the device's memory, and one that may fall back to the CPU as the CPU", async () => {
    const content = await example('speech', 2);
    const style = await example('plucks', 2);
    // The default net: on the CPU its block form's weights (790 MB) outweigh what a GPU run holds besides the Conv
    // form's (368 MB) and the GPU runtime's host memory. No weights are made: the first session fails.
    const net = { ...small, filters: 4096, kernel: 11 };
    const s = resolveSettings(net);
    const frames = frameCount(content.channels[0].length, s.hop);
    const threads = nodeRuntime(2).threadBytes as number;
    const cpu = estimateMemory(s, frames, frames).totalBytes + threads;
    const gpu = estimateMemory(s, frames, frames, 1, { gpu: true }).totalBytes + threads;
    expect(gpu).toBeLessThan(cpu);
    // A limit between the two: a GPU run with no fall-back is admitted, one that may fall back is refused. These runtimes
    // open no session (no GPU here): the admitted run fails at its first, after its estimate.
    const limit = (gpu + cpu) / 2;
    const base = nodeRuntime(2);
    const noSessions = (fallbackToCpu: boolean): Runtime => ({
      ...base,
      ort: { Tensor: base.ort.Tensor, InferenceSession: { create: () => Promise.reject(new Error('no session in this test')) } } as unknown as OrtApi,
      executionProviders: ['webgpu'],
      fallbackToCpu,
    });
    let estimated: number | undefined;
    const admitted = coreTransfer(noSessions(false), { ...net, content, style, memoryLimitBytes: limit }, {
      onProgress: (e) => void (e.memory && (estimated = e.memory.totalBytes)),
    });
    await expect(admitted).rejects.toThrow(/webgpu unavailable \(no session in this test\)/);
    expect(estimated).toBe(gpu);
    await expect(coreTransfer(noSessions(true), { ...net, content, style, memoryLimitBytes: limit })).rejects.toThrow(/needs about/);
  });

  it('counts each round as its evaluation budget, so a line search past it does not run the count out early', async () => {
    const content = await example('speech', 2);
    const style = await example('plucks', 2);
    const events: ProgressEvent[] = [];
    // One iteration a round: a budget of 2 evaluations, and the first L-BFGS iteration's line search usually takes 2.
    await transfer({ ...small, content, style, iterations: 3, rounds: 3 }, { onProgress: (e) => void (e.stage === 'optimise' && events.push(e)) });
    const last = events[events.length - 1];
    expect(last.evaluations).toBeGreaterThan(last.total); // the case in point: 9 evaluations against a budget of 6
    expect([last.step, last.total, last.remainingMs]).toEqual([6, 6, 0]);
    for (let i = 1; i < events.length; i++) expect(events[i].step).toBeGreaterThanOrEqual(events[i - 1].step);
    expect(Math.max(...events.map((e) => e.step))).toBe(6);
    // The last round's first evaluation is step 5 of 6 (the count used to be at 6 of 6 before that round began).
    const roundThree = events.findIndex((e) => e.activity?.startsWith('round 3'));
    const firstOfRoundThree = events.slice(roundThree).find((e) => e.loss !== undefined);
    expect(firstOfRoundThree?.step).toBe(5);
    expect(firstOfRoundThree?.remainingMs).toBeGreaterThan(0);
  });

  it('estimates the optimise stage\'s time left with the work between evaluations, and ends it at zero', async () => {
    const speech = await example('speech', 2);
    const melody = await example('melody', 2);
    const style = await example('plucks', 2);
    const stereo = { channels: [speech.channels[0], melody.channels[0]], sampleRate: 22050 };
    // Long Griffin-Lim between rounds and a small net: most of the stage is side work, which steps alone do not see.
    const events: ProgressEvent[] = [];
    let start = NaN;
    await transfer({ ...small, content: stereo, style, iterations: 6, phaseIterations: 200, rounds: 3 }, {
      onProgress: (e) => {
        if (e.stage === 'optimise' && Number.isNaN(start)) start = e.elapsedMs;
        if (e.stage === 'optimise' && e.step > 0) events.push(e);
      },
    });
    for (const e of events) expect(e.remainingMs).toBeGreaterThanOrEqual(0);
    const last = events[events.length - 1];
    expect(last.step).toBe(last.total);
    expect(last.remainingMs).toBe(0);
    // At the first evaluation four Griffin-Lims between rounds are still to come, most of what is left. Extrapolating
    // the steps sees only the evaluations; the estimate counts the side work too. Both come from timings taken in the
    // same second, so their ratio holds on a loaded machine, where a comparison with the time the rest then takes
    // would not (it failed once with another job starting mid-run). `npx tsx bench/eta-accuracy.ts` measures that.
    // Measured: the estimate 5.2-5.5 s, steps alone 0.2-0.5 s, 3.1-3.3 s actually left.
    const first = events[0];
    const stepsOnly = 1000 * stageEta(start, first.elapsedMs, first.step, first.total);
    expect(stepsOnly).toBeGreaterThan(0);
    expect(first.remainingMs).toBeGreaterThan(4 * stepsOnly);
  });

  it('cancelled in a later round, with a new net reading the bins reordered, returns the partial result in bin order', async () => {
    const content = await example('speech', 2);
    const style = await example('plucks', 2);
    const controller = new AbortController();
    let rounds = 0;
    const run = transfer(
      { ...small, content, style, iterations: 30, phaseIterations: 8, rounds: 3 },
      {
        signal: controller.signal,
        partialOnCancel: true,
        onProgress: (e) => {
          // Budget: 13 evaluations a round; stop inside the third.
          if (e.stage === 'optimise' && (e.evaluations ?? 0) >= 30 && rounds++ === 0) controller.abort();
        },
      },
    );
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    const partial = (error as CancelledError).partial!;
    const plan = new StftPlan(2048, 512);
    // Still the speech (0.83 measured); with its bins left shuffled it correlated 0.08.
    const kept = contentCorrelation(toLogSpectrogram(plan, content.channels[0]), toLogSpectrogram(plan, partial.channels[0]));
    expect(kept).toBeGreaterThan(0.6);
  });

  it('cancelled with stereo content, one channel inside a reordered round, returns both channels in bin order', async () => {
    const speech = await example('speech', 2);
    const melody = await example('melody', 2);
    const style = await example('plucks', 2);
    const stereo = { channels: [speech.channels[0], melody.channels[0]], sampleRate: 22050 };
    const controller = new AbortController();
    const run = transfer(
      { ...small, content: stereo, style, iterations: 30, phaseIterations: 8, rounds: 3 },
      {
        signal: controller.signal,
        partialOnCancel: true,
        // 13 evaluations per channel and round, rounds outside channels: the 45th is the right channel's second round.
        onProgress: (e) => {
          if (e.stage === 'optimise' && (e.evaluations ?? 0) >= 45) controller.abort();
        },
      },
    );
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    const partial = (error as CancelledError).partial!;
    expect(partial.channels).toHaveLength(2);
    const plan = new StftPlan(2048, 512);
    const spec = (x: Float32Array) => toLogSpectrogram(plan, x);
    // Each channel is still its own content, not the other's and not shuffled.
    for (const [c, own, other] of [[0, speech, melody], [1, melody, speech]] as const) {
      const kept = contentCorrelation(spec(own.channels[0]), spec(partial.channels[c]));
      expect(kept).toBeGreaterThan(0.6);
      expect(kept).toBeGreaterThan(contentCorrelation(spec(other.channels[0]), spec(partial.channels[c])) + 0.2);
    }
  });

  it('spends no trials on steps below an audible change when the content already has the style', async () => {
    // A clip restyled with itself starts at the loss's rounding noise, where no step decreases it for real: its first
    // line search narrowed its bracket through all 25 trials, to a step of 5e-7 in log magnitude (36 evaluations in
    // all). It now stops at 1e-4 (0.0009 dB).
    const speech = { bytes: new Uint8Array(readFileSync(new URL('../examples/speech.wav', import.meta.url))), name: 'speech.wav' };
    const result = await transfer({ filters: 128, kernel: 5, threads: 2, content: speech, style: speech });
    expect(result.optimiser.evaluations).toBeLessThanOrEqual(27);
  });

  it('gives identical output for identical inputs, settings and seed; another seed differs', async () => {
    const content = await example('speech', 1);
    const style = await example('plucks', 1);
    const run = (seed: number) => transfer({ ...small, content, style, iterations: 4, phaseIterations: 4, seed });
    const [a, b, c] = [await run(3), await run(3), await run(4)];
    expect(Buffer.from(a.channels[0].buffer).equals(Buffer.from(b.channels[0].buffer))).toBe(true);
    expect(Buffer.from(a.channels[0].buffer).equals(Buffer.from(c.channels[0].buffer))).toBe(false);
  });

  it('rejects a clip shorter than the net can see, naming it and the minimum', async () => {
    const content = await example('speech', 0.05);
    const style = await example('plucks', 1);
    await expect(transfer({ ...small, content: { ...content, name: 'tiny.wav' }, style })).rejects.toThrow(
      /^tiny\.wav: too short: 0\.050 s, needs at least 0\.093 s/,
    );
  });

  it('rejects a silent style and bad settings with clear errors', async () => {
    const content = await example('speech', 1);
    const silence = { channels: [new Float32Array(22050)], sampleRate: 22050, name: 'silence.wav' };
    await expect(transfer({ ...small, content, style: silence })).rejects.toThrow(new InputError('silence.wav', 'is silent: there is no style to transfer'));
    await expect(transfer({ ...small, content, style: silence, hop: 4096 })).rejects.toThrow(UsageError);
    await expect(transfer({ ...small, content, style: silence, iterations: -1 })).rejects.toThrow('--iterations -1: must be an integer in [0, 100000]');
  });

  it('restyles a silent content into the style\'s texture, and says that it was silent', async () => {
    const style = await example('plucks', 1);
    const silence = { channels: [new Float32Array(22050), new Float32Array(22050)], sampleRate: 22050, name: 'silence.wav' };
    const result = await transfer({ ...small, iterations: 2, rounds: 1, content: silence, style });
    expect(result.warnings).toContain('silence.wav: is silent: the result is a texture of the style alone (--duration makes one without a content file)');
    expect(Math.max(...result.channels[0].map(Math.abs))).toBeGreaterThan(0.01);
    const speech = await transfer({ ...small, iterations: 2, rounds: 1, content: await example('speech', 1), style });
    expect(speech.warnings.some((w) => w.includes('is silent'))).toBe(false);
  });
});

describe("the runtime's own memory (onnxruntime-web's 4 GiB heap)", () => {
  /** The Node runtime, counting the sessions it opens, with a heap limit as onnxruntime-web's WebAssembly has. */
  function limitedRuntime(): { runtime: Runtime; sessions: () => number } {
    const base = nodeRuntime(2);
    let opened = 0;
    const ort: OrtApi = {
      Tensor: base.ort.Tensor,
      InferenceSession: {
        create: (...args: unknown[]) => {
          opened++;
          return (base.ort.InferenceSession.create as (...a: unknown[]) => unknown)(...args);
        },
      } as unknown as OrtApi['InferenceSession'],
    };
    return { runtime: { ...base, ort, heapLimitBytes: WASM_HEAP_LIMIT_BYTES }, sessions: () => opened };
  }

  it('refuses a run estimated past the heap before opening a session, naming what to change', async () => {
    const { runtime, sessions } = limitedRuntime();
    // At kernel 7 the block form's weights take 23 rows of N x C: 6.2 GB at 16384 filters and 4097 bins (3.1 GB at 44.1 kHz's 2049, which fits).
    const request = { content: await example('speech', 2), style: await example('plucks', 2), sampleRate: 96000, filters: 16384 };
    const failure = await coreTransfer(runtime, request).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ResourceError);
    expect((failure as Error).message).toMatch(
      /^this run needs about [4-9]\.\d GB inside onnxruntime, whose memory here stops at 4\.0 GB: use fewer --filters \(now 16384\), a smaller --n-fft \(now 8192\) or a lower --sr \(now 96000\)$/,
    );
    expect(sessions()).toBe(0);
    // Several kernel widths are named as a cure too; at the default rate --sr is not.
    const widths = await coreTransfer(runtime, { ...request, sampleRate: 22050, filters: 16384, kernels: [3, 11, 31] }).catch((e: unknown) => e);
    expect((widths as Error).message).toMatch(/use fewer --filters \(now 16384\), a smaller --n-fft \(now 2048\) or one --kernels width \(now 3,11,31\)$/);
    expect(sessions()).toBe(0);
  });

  it('runs what fits under the limit', async () => {
    const { runtime, sessions } = limitedRuntime();
    const result = await coreTransfer(runtime, { ...small, content: await example('speech', 1), style: await example('plucks', 1), iterations: 2, rounds: 1 });
    expect(result.channels[0].length).toBe(22050);
    expect(sessions()).toBeGreaterThan(0);
  });

  it('runs with one N x N Gram difference a run that fits the heap only without the halves', async () => {
    // 64 filters: 1 s against 2 s takes the Gram form (T' + Ts' >= N) expanded through matrices (T' >= N / 3).
    const options = { ...small, filters: 64, iterations: 2, rounds: 1 };
    const request = { ...options, content: await example('speech', 1), style: await example('plucks', 2) };
    const settings = resolveSettings(options);
    const sizes = [frameCount(22050, settings.hop), frameCount(44100, settings.hop)] as const;
    const [full, lean] = [true, false].map((gramHalves) => estimateMemory(settings, ...sizes, 1, { gramHalves }).runtimeBytes);
    expect(lean).toBeLessThan(full);
    const { runtime } = limitedRuntime();
    const memory: number[] = [];
    const onProgress = (e: ProgressEvent) => e.memory && memory.push(e.memory.runtimeBytes);
    const result = await coreTransfer({ ...runtime, heapLimitBytes: (full + lean) / 2 }, request, { onProgress });
    expect(result.channels[0].length).toBe(22050);
    expect(memory).toEqual([lean]);
    // Under the lean estimate too, it is refused, with that figure.
    const refused = await coreTransfer({ ...runtime, heapLimitBytes: lean - 1 }, request).catch((e: unknown) => e);
    expect((refused as Error).message).toContain(`needs about ${formatBytes(lean)} inside onnxruntime`);
  });

  it("reports onnxruntime's own out-of-memory failures as ResourceErrors, and leaves other errors alone", async () => {
    // WebAssembly's heap overflowing, as onnxruntime-web 1.30 reports it in Chromium and in Node.
    expect(isOutOfMemory(new RangeError('offset is out of bounds'))).toBe(true);
    expect(isOutOfMemory(new RangeError('Invalid typed array length: 4565630976'))).toBe(true);
    expect(isOutOfMemory(new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded'))).toBe(true);
    expect(isOutOfMemory(new Error('std::bad_alloc'))).toBe(true);
    expect(isOutOfMemory(new RangeError('Maximum call stack size exceeded'))).toBe(false);
    expect(isOutOfMemory(new Error('input x has the wrong shape'))).toBe(false);
    const failing = (err: Error): Runtime => ({
      ...nodeRuntime(1),
      ort: {
        Tensor: nodeRuntime(1).ort.Tensor,
        InferenceSession: { create: async () => ({ run: async () => { throw err; } }) } as unknown as OrtApi['InferenceSession'],
      },
    });
    const g = new GraphBuilder('identity');
    g.op('Identity', [g.input('x', ['n'])], {}, g.output('y', ['n']));
    const model = g.toBytes();
    const oom = await (await createSession(failing(new RangeError('offset is out of bounds')), model)).run({}).catch((e: unknown) => e);
    expect(oom).toBeInstanceOf(ResourceError);
    expect((oom as Error).message).toBe('onnxruntime ran out of memory (offset is out of bounds): use fewer --filters, a smaller --n-fft or a lower --sr');
    const other = await (await createSession(failing(new TypeError('not a tensor')), model)).run({}).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(TypeError);
  });

  it('hands onnxruntime the largest input first: onnxruntime-web copies them into its heap in that order', async () => {
    const order: string[][] = [];
    const recording: Runtime = {
      ...nodeRuntime(1),
      ort: {
        Tensor: nodeRuntime(1).ort.Tensor,
        InferenceSession: { create: async () => ({ run: async (feeds: object) => (order.push(Object.keys(feeds)), {}) }) } as unknown as OrtApi['InferenceSession'],
      },
    };
    const g = new GraphBuilder('add');
    g.op('Add', [g.input('a', ['n']), g.input('b', ['n'])], {}, g.output('c', ['n']));
    const session = await createSession(recording, g.toBytes());
    const tensor = (n: number) => new recording.ort.Tensor('float32', new Float32Array(n), [n]);
    await session.run({ small: tensor(3), large: tensor(1000), middle: tensor(40) });
    expect(order).toEqual([['large', 'middle', 'small']]);
  });
});
