import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { IO, buildChunkFeaturesGraph, buildChunkGradientGraph, buildFeaturesGraph, buildGramSumGraph, buildObjectiveGraph } from '../src/model/graphs.js';
import { webRuntime } from '../src/web/runtime.js';
import {
  blockCount,
  blockPlan,
  blockSaving,
  chooseBlockPlan,
  frameBlocks,
  overlapAddBlocks,
  toBlockColumns,
  validOutputMask,
} from '../src/model/spectral-conv.js';
import { StyleNet } from '../src/model/style-net.js';
import { Random } from '../src/dsp/random.js';
import type { Runtime } from '../src/model/runtime.js';
import { refFeatures } from './reference.js';
import { randomWeightGroups, randomWeightGroupsDrawn, randomWeights, randomWeightsDrawn } from '../src/model/weights.js';

const runtime: Runtime = { ort, executionProviders: ['cpu'], threads: 1 };

describe('block arithmetic of the DFT convolution', () => {
  it('chooses blocks where they save work: none at K = 3 or 4, L = 16 from K = 5, L = 32 at the default K = 11', () => {
    expect(chooseBlockPlan(3)).toBeNull();
    expect(chooseBlockPlan(4)).toBeNull();
    expect(chooseBlockPlan(5)).toEqual({ kernel: 5, length: 16, hop: 12, points: 9, slots: 23 });
    const plan = chooseBlockPlan(11);
    // 17 DFT bins: 15 complex ones of 3 real products each, and the first and last, real, of one.
    expect(plan).toEqual({ kernel: 11, length: 32, hop: 22, points: 17, slots: 47 });
    expect(blockSaving(plan!)).toBeCloseTo((11 * 22) / 47, 12);
    expect(chooseBlockPlan(31)?.length).toBe(64);
    expect(() => blockPlan(11, 11)).toThrow(/even integer above the kernel width 11/);
  });

  it('frames and overlap-adds as adjoints: <frame(x), y> = <x, overlapAdd(y)>', () => {
    const plan = blockPlan(5, 8);
    const rows = 3;
    const rowLength = 50;
    const start = 7;
    const frames = 31; // 27 outputs: 7 blocks of 4, the last one partly padding
    const rng = new Random(1);
    const x = rng.fillNormal(new Float32Array(rows * rowLength));
    const blocks = frameBlocks(plan, x, rows, rowLength, start, frames);
    const B = blockCount(plan, frames - 4);
    expect(B).toBe(7);
    expect(blocks.length).toBe(rows * B * 8);
    // Block 1 of row 2 starts at frame start + hop.
    expect(blocks[(2 * B + 1) * 8]).toBe(x[2 * rowLength + start + 4]);
    const y = rng.fillNormal(new Float32Array(blocks.length));
    const back = new Float32Array(x.length);
    overlapAddBlocks(plan, y, rows, back, rowLength, start, frames);
    let lhs = 0;
    let rhs = 0;
    for (let i = 0; i < y.length; i++) lhs += blocks[i] * y[i];
    for (let i = 0; i < x.length; i++) rhs += x[i] * back[i];
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.abs(lhs));
    // Nothing lands outside the frames it was cut from.
    for (let r = 0; r < rows; r++) {
      for (let t = 0; t < rowLength; t++) if (t < start || t >= start + frames) expect(back[r * rowLength + t]).toBe(0);
    }
  });

  it('draws the same weights group by group as all at once (odd group sizes included)', () => {
    const shape = { bins: 7, filters: 10, kernel: 3 }; // 21 weights per filter: groups of 3 filters have odd sizes
    const whole = randomWeights(shape, 42);
    // Drawn group by group, and as views of weights already drawn whole.
    for (const drawn of [null, whole]) {
      const pieces: number[] = [];
      for (const { first, count, weights } of randomWeightGroups(shape, 42, 3, drawn)) {
        expect(first).toBe(pieces.length / 21);
        expect(weights.length).toBe(count * 21);
        pieces.push(...weights);
      }
      expect(Float32Array.from(pieces)).toEqual(whole);
    }
  });

  it('draws the same weights on other threads (a stand-in drawer), in stretches and in groups', async () => {
    const calls: number[] = [];
    const drawer = {
      threads: 3,
      draw: async (state: Int32Array, count: number, std: number) => {
        calls.push(count);
        await new Promise((resolve) => setTimeout(resolve, 3 * (calls.length % 3))); // out of order
        return Random.fromState(state).fillNormal(new Float32Array(count), std);
      },
    };
    for (const shape of [{ bins: 7, filters: 10, kernel: 3 }, { bins: 8, filters: 9, kernel: 3 }]) {
      const whole = randomWeights(shape, 42);
      calls.length = 0;
      expect(await randomWeightsDrawn(shape, 42, drawer)).toEqual(whole);
      expect(calls.length).toBeGreaterThanOrEqual(3); // a stretch per thread at least
      // Groups of 2 filters (even sizes) on the drawer, 4 at once; of 3 (21 weights, odd) drawn here instead.
      for (const [groupFilters, onDrawer] of [[2, true], [3, (3 * shape.bins * 3) % 2 === 0]] as const) {
        calls.length = 0;
        const pieces: number[] = [];
        for await (const { first, weights } of randomWeightGroupsDrawn(shape, 42, groupFilters, drawer, 4)) {
          expect(first * shape.bins * 3).toBe(pieces.length);
          pieces.push(...weights);
        }
        expect(Float32Array.from(pieces)).toEqual(whole);
        expect(calls.length).toBe(onDrawer ? Math.ceil(shape.filters / groupFilters) : 0);
      }
    }
  });

  it('stops waiting for drawn weights when checkCancel throws, without waiting for the stretch', async () => {
    const never = { threads: 2, draw: () => new Promise<Float32Array>(() => {}) }; // a stretch that never ends
    const started = performance.now();
    const stop = (): void => {
      if (performance.now() - started > 120) throw new Error('cancelled');
    };
    await expect(randomWeightsDrawn({ bins: 8, filters: 8, kernel: 3 }, 1, never, stop)).rejects.toThrow('cancelled');
    expect(performance.now() - started).toBeLessThan(1000); // polled every 50 ms
  });

  it('lays conv outputs out in block columns (j, b) and marks the real ones', () => {
    const plan = blockPlan(5, 8); // S = 4
    // 10 outputs in 3 blocks: column j * 3 + b holds frame 4b + j.
    expect(Array.from(toBlockColumns(plan, Float32Array.from({ length: 10 }, (_, t) => t + 1), 1, 10))).toEqual([1, 5, 9, 2, 6, 10, 3, 7, 0, 4, 8, 0]);
    expect(Array.from(validOutputMask(plan, 10))).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0]);
  });

  it.each([
    [3, 8, 40, 24], // forced: no saving at K = 3
    [5, 16, 40, 24],
    [11, 32, 431 % 97, 24],
    [11, 32, 200, 24],
    [11, 32, 40, 600], // the weights' DFT is computed for 512 filters at a time: two groups, the second short
  ])('block-form features equal the float64 direct convolution (K = %i, L = %i, %i frames, %i filters)', async (kernel, length, frames, filters) => {
    const shape = { bins: 33, filters, kernel };
    const net = StyleNet.create(runtime, shape, 5, 'dft');
    expect(net.conv?.length).toBe(length);
    const rng = new Random(2);
    const data = new Float32Array(shape.bins * frames);
    for (let i = 0; i < data.length; i++) data[i] = 3 * rng.uniform();
    const got = await net.features({ data, bins: shape.bins, frames });
    const want = refFeatures(data, frames, net.weights, shape);
    expect(got.length).toBe(want.length);
    let err = 0;
    let norm = 0;
    for (let i = 0; i < want.length; i++) {
      err = Math.max(err, Math.abs(got[i] - want[i]));
      norm = Math.max(norm, Math.abs(want[i]));
    }
    // float32 DFTs of 33 x K terms: ~1e-6 of the largest feature; a wrong bin or sign is O(1).
    expect(err / norm).toBeLessThan(2e-5);
    await net.dispose();
  });

  it.each([5, 11, 31])("dft features on onnxruntime-web's WebAssembly, whose products take the weights second, equal the float64 convolution (kernel %i)", async (kernel) => {
    const { runtime: wasm } = await webRuntime({ backend: 'wasm', threads: 1 });
    const shape = { bins: 33, filters: 24, kernel };
    const net = StyleNet.create(wasm, shape, 7, 'dft');
    expect(net.graphShape.weightsSecond).toBe(true);
    expect(StyleNet.create(runtime, shape, 7, 'dft').graphShape.weightsSecond).toBeUndefined(); // onnxruntime-node: W X
    const frames = 211;
    const rng = new Random(3);
    const data = Float32Array.from({ length: shape.bins * frames }, () => 3 * rng.uniform());
    const want = refFeatures(data, frames, net.weights, shape);
    const norm = Math.max(...want.map(Math.abs));
    for (const chunk of [48, 1000]) {
      const got = await net.features({ data, bins: shape.bins, frames }, chunk);
      expect(Math.max(...want.map((w, i) => Math.abs(got[i] - w))) / norm).toBeLessThan(2e-5);
    }
    await net.dispose();
  });

  it("leaves the weights to MatMul alone in either order of the products: onnxruntime folds the Transpose in, never copying them", async () => {
    const plan = chooseBlockPlan(11);
    const dir = mkdtempSync(path.join(tmpdir(), 'restyle-fused-'));
    try {
      for (const weightsSecond of [false, true]) {
        const shape = { bins: 33, filters: 16, kernel: 11, weightsSecond };
        const models = {
          features: buildFeaturesGraph(shape, plan),
          gramSum: buildGramSumGraph(shape, plan),
          objective: buildObjectiveGraph({ ...shape, frames: 60, mode: 'kernel', styleFeatureFrames: 40, withContent: true, conv: plan }),
          chunkFeatures: buildChunkFeaturesGraph({ ...shape, conv: plan }),
          chunkGradient: buildChunkGradientGraph({ ...shape, withContent: true, conv: plan }),
        };
        for (const [name, model] of Object.entries(models)) {
          const file = path.join(dir, `${name}-${weightsSecond}.onnx`);
          await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', optimizedModelFilePath: file, logSeverityLevel: 3 });
          const nodes = onnxProto.onnx.ModelProto.decode(readFileSync(file)).graph?.node ?? [];
          const readers = nodes.filter((n) => n.input?.includes(IO.spectralWeights));
          expect(readers.length, name).toBeGreaterThan(0);
          // A Transpose of the weights would copy them (753 MiB at the defaults) in every run.
          expect(readers.map((n) => n.opType).every((op) => op === 'MatMul' || op === 'FusedMatMul'), `${name}: ${readers.map((n) => n.opType)}`).toBe(true);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['dft', 'direct'] as const)('%s features of a clip longer than a chunk, computed chunk by chunk, equal the float64 convolution', async (conv) => {
    const shape = { bins: 33, filters: 24, kernel: 11 };
    const net = StyleNet.create(runtime, shape, 7, conv);
    const frames = 211; // 201 outputs: chunks of 48, the last of 9
    const rng = new Random(3);
    const data = Float32Array.from({ length: shape.bins * frames }, () => 3 * rng.uniform());
    const spec = { data, bins: shape.bins, frames };
    const want = refFeatures(data, frames, net.weights, shape);
    const chunked = await net.features(spec, 48);
    const whole = await net.features(spec, 1000);
    expect(chunked.length).toBe(want.length);
    const norm = Math.max(...want.map(Math.abs));
    // float32 sums of 33 x 11 terms: ~1e-6 of the largest feature; a chunk placed in the wrong columns is O(1).
    expect(Math.max(...want.map((w, i) => Math.abs(chunked[i] - w))) / norm).toBeLessThan(2e-5);
    expect(Math.max(...want.map((w, i) => Math.abs(whole[i] - w))) / norm).toBeLessThan(2e-5);
    await net.dispose();
  });
});
