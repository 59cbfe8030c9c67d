import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { DFT_CHUNK_FEATURE_FRAMES, GPU_CHUNK_FEATURE_FRAMES, GPU_DIRECT_MAX_KERNEL, StyleNet, type ConvolutionChoice, type LogSpectrogram } from '../src/model/style-net.js';
import { ChunkedStyleObjective, StyleObjective, SumObjective } from '../src/model/objectives.js';
import { IO, buildChunkFeaturesGraph, gpuSafeConvChannels, sumOfProducts, sumOfSquares, type GramExpansion, type StyleMode } from '../src/model/graphs.js';
import { GraphBuilder } from '../src/model/onnx-graph.js';
import { Random } from '../src/dsp/random.js';
import { computesOnGpu, createSession, floatTensor, type Runtime } from '../src/model/runtime.js';
import { refFeatures, refGram, refLoss, relativeError } from './reference.js';
import { webRuntime } from '../src/web/runtime.js';

const runtime: Runtime = { ort, executionProviders: ['cpu'], threads: 1 };
/** onnxruntime-web's WebAssembly in Node, whose block form takes its products in another order (GraphShape.weightsSecond). */
const wasm: Runtime = (await webRuntime({ backend: 'wasm', threads: 1 })).runtime;

/** A positive random "log-magnitude" spectrogram. */
function randomSpec(bins: number, frames: number, seed: number): LogSpectrogram {
  const rng = new Random(seed);
  const data = new Float32Array(bins * frames);
  for (let i = 0; i < data.length; i++) data[i] = 2 * rng.uniform();
  return { data, bins, frames };
}

/** A small problem: a 33-bin net of 16 filters, kernel 5, a 50-frame style, a content and a point x of `frames` frames. */
function smallProblem(frames: number) {
  const shape = { bins: 33, filters: 16, kernel: 5 };
  return { shape, style: randomSpec(shape.bins, 50, 1), content: randomSpec(shape.bins, frames, 2), x: randomSpec(shape.bins, frames, 8).data };
}

describe.each<[StyleMode, ConvolutionChoice, number, number, number, 'cpu' | 'wasm', GramExpansion | null]>([
  // mode, convolution, filters, content frames, style frames (kernel form needs T' + Ts' < N), runtime, and in the Gram
  // form the expansion that the sizes choose (through frames while the feature columns are under N / 3)
  ['gram', 'direct', 16, 40, 31, 'cpu', 'matrices'],
  // On WebAssembly the matrices are formed by halves of the filters (GraphShape.gramHalves): unequal halves, and an
  // empty top half.
  ['gram', 'direct', 17, 40, 31, 'wasm', 'matrices'],
  ['gram', 'direct', 1, 40, 31, 'wasm', 'matrices'],
  ['gram', 'direct', 96, 24, 100, 'cpu', 'frames'],
  ['kernel', 'direct', 64, 24, 20, 'cpu', null],
  ['gram', 'dft', 16, 40, 31, 'cpu', 'matrices'],
  ['gram', 'dft', 96, 24, 100, 'cpu', 'frames'],
  ['kernel', 'dft', 64, 24, 20, 'cpu', null],
  ['gram', 'dft', 16, 40, 31, 'wasm', 'matrices'],
  ['gram', 'dft', 96, 24, 100, 'wasm', 'frames'],
  ['kernel', 'dft', 64, 24, 20, 'wasm', null],
])('style objective (%s form, %s convolution, %i filters, %i frames against %i, %s, expanded through %s)', (mode, convolution, filters, frames, styleFrames, where, expansion) => {
  const shape = { bins: 33, filters, kernel: 5 };
  const contentWeight = 0.3;

  async function setup(withContent: boolean) {
    const net = StyleNet.create(where === 'wasm' ? wasm : runtime, shape, 7, convolution);
    expect(net.conv === null).toBe(convolution === 'direct');
    const style = randomSpec(shape.bins, styleFrames, 1);
    const content = randomSpec(shape.bins, frames, 2);
    const target = await net.styleTarget(style, frames, mode);
    expect(target.mode).toBe(mode);
    const contentFeatures = await net.features(content);
    const objective = await StyleObjective.create(net, {
      frames,
      target,
      content: withContent ? { features: contentFeatures, weight: contentWeight } : undefined,
    });
    expect(objective.expansion).toBe(expansion);
    expect(objective.gramHalves).toBe(where === 'wasm' && expansion === 'matrices');
    const styleGram = refGram(refFeatures(style.data, styleFrames, net.weights, shape), filters);
    const refContent = withContent ? { features: refFeatures(content.data, frames, net.weights, shape), weight: contentWeight } : undefined;
    const ref = (x: ArrayLike<number>) => refLoss(x, frames, net.weights, shape, styleGram, refContent);
    return { net, objective, ref, content };
  }

  it.each([false, true])('matches the float64 reference loss (content term: %s)', async (withContent) => {
    const { net, objective, ref } = await setup(withContent);
    const x = randomSpec(shape.bins, frames, 3).data;
    const value = await objective.evaluate(x, new Float32Array(x.length));
    const expected = ref(x);
    // float32 sums over a few thousand terms: 1e-4 relative is far below any real mistake (a missing 1/T' is 30x).
    expect(Math.abs(value.loss - expected) / expected).toBeLessThan(1e-4);
    if (withContent) expect(value.contentLoss).toBeGreaterThan(0);
    await objective.dispose();
    await net.dispose();
  });

  it.each([false, true])('gradient agrees with central finite differences of the reference (content term: %s)', async (withContent) => {
    const { net, objective, ref } = await setup(withContent);
    const x = randomSpec(shape.bins, frames, 4).data;
    const grad = new Float32Array(x.length);
    await objective.evaluate(x, grad);
    const xd = Float64Array.from(x);
    const h = 1e-5;
    const rng = new Random(9);
    let num = 0;
    let den = 0;
    // 60 random coordinates, including the edges where the padded gradient convolution could go wrong.
    const coords = [0, frames - 1, (shape.bins - 1) * frames, x.length - 1];
    while (coords.length < 60) coords.push(Math.floor(rng.uniform() * x.length));
    for (const i of coords) {
      const keep = xd[i];
      xd[i] = keep + h;
      const plus = ref(xd);
      xd[i] = keep - h;
      const minus = ref(xd);
      xd[i] = keep;
      const fd = (plus - minus) / (2 * h);
      num += (grad[i] - fd) ** 2;
      den += fd * fd;
    }
    expect(Math.sqrt(num / den)).toBeLessThan(1e-3);
    await objective.dispose();
    await net.dispose();
  });

  it('gradient agrees with a directional finite difference of the ONNX loss itself', async () => {
    const { net, objective } = await setup(true);
    const x = randomSpec(shape.bins, frames, 5).data;
    const grad = new Float32Array(x.length);
    await objective.evaluate(x, grad);
    const rng = new Random(11);
    const v = rng.fillNormal(new Float32Array(x.length));
    const h = 2e-3;
    const xp = x.map((xi, i) => xi + h * v[i]);
    const xm = x.map((xi, i) => xi - h * v[i]);
    const scratch = new Float32Array(x.length);
    const fd = ((await objective.evaluate(xp, scratch)).loss - (await objective.evaluate(xm, scratch)).loss) / (2 * h);
    let dot = 0;
    for (let i = 0; i < x.length; i++) dot += grad[i] * v[i];
    // float32 losses limit this check to about 1% (rounding noise / h against the O(h^2) and ReLU-kink error);
    // the 1e-3 check is the one against the float64 reference above. A wrong gradient is off by O(1) here.
    expect(Math.abs(dot - fd) / Math.abs(fd)).toBeLessThan(3e-2);
    await objective.dispose();
    await net.dispose();
  });
});

describe('a whole-clip objective asked for one N x N difference on WebAssembly (gramHalves: false)', () => {
  it('forms it so, with the loss and gradient of the halves to float32 rounding', async () => {
    const shape = { bins: 33, filters: 17, kernel: 5 };
    const net = StyleNet.create(wasm, shape, 7, 'dft');
    const frames = 40;
    const target = await net.styleTarget(randomSpec(shape.bins, 31, 1), frames, 'gram');
    const content = { features: await net.features(randomSpec(shape.bins, frames, 2)), weight: 0.3 };
    const halves = await StyleObjective.create(net, { frames, target, content });
    const whole = await StyleObjective.create(net, { frames, target, content, gramHalves: false });
    expect([halves.gramHalves, whole.gramHalves]).toEqual([true, false]);
    const x = randomSpec(shape.bins, frames, 3).data;
    const [gradHalves, gradWhole] = [new Float32Array(x.length), new Float32Array(x.length)];
    const [a, b] = [await halves.evaluate(x, gradHalves), await whole.evaluate(x, gradWhole)];
    // The same sums in another order: 1e-5 relative (a wrong block would be off by tens of percent).
    expect(Math.abs(a.loss - b.loss) / b.loss).toBeLessThan(1e-5);
    expect(relativeError(gradHalves, gradWhole)).toBeLessThan(1e-5);
    await Promise.all([halves.dispose(), whole.dispose()]);
    await net.dispose();
  });
});

describe('chunked objective (long clips)', () => {
  // Feature cache: 0 computes every chunk's features twice; 1 MB keeps them all (16 x 66 floats and the block form's
  // padding); 4000 bytes is less than the clip's features, so none are kept.
  // The chunks' Gram sums come as the symmetric Gram's three distinct blocks (GRAM_HALVES): 15 filters make them unequal.
  it.each<[boolean, ConvolutionChoice, number, number]>([
    [false, 'direct', 0, 16],
    [true, 'direct', 0, 16],
    [false, 'dft', 0, 16],
    [true, 'dft', 0, 16],
    [false, 'direct', 2 ** 20, 16],
    [true, 'direct', 2 ** 20, 16],
    [false, 'dft', 2 ** 20, 16],
    [true, 'dft', 2 ** 20, 16],
    [true, 'direct', 4000, 16],
    [true, 'dft', 4000, 16],
    [true, 'dft', 0, 15],
    [true, 'direct', 2 ** 20, 15],
  ])('matches the one-shot objective in loss and gradient (content term: %s, %s convolution, feature cache %i bytes, %i filters)', async (withContent, convolution, featureCacheBytes, filters) => {
    const shape = { bins: 33, filters, kernel: 5 };
    const frames = 70; // 66 feature frames in chunks of 16: five chunks, the last one short
    const net = StyleNet.create(runtime, shape, 3, convolution);
    const style = randomSpec(shape.bins, 50, 1);
    const content = randomSpec(shape.bins, frames, 2);
    const target = await net.styleTarget(style, frames, 'gram');
    const options = { frames, target, content: withContent ? { features: await net.features(content), weight: 0.2 } : undefined };
    const oneShot = await StyleObjective.create(net, options);
    const chunked = await ChunkedStyleObjective.create(net, { ...options, chunkFeatureFrames: 16, featureCacheBytes });
    const x = randomSpec(shape.bins, frames, 8).data;
    const g1 = new Float32Array(x.length);
    const g2 = new Float32Array(x.length);
    const v1 = await oneShot.evaluate(x, g1);
    const shares: number[] = [];
    const v2 = await chunked.evaluate(x, g2, (share) => shares.push(share));
    // Each pass's five chunks are told as they end, counted in feature frames: 16 of the 2 x 66 first.
    expect(shares).toHaveLength(10);
    expect(shares[0]).toBeCloseTo(16 / 132, 12);
    expect(shares[4]).toBeCloseTo(0.5, 12);
    expect(shares.at(-1)).toBe(1);
    for (let i = 1; i < shares.length; i++) expect(shares[i]).toBeGreaterThan(shares[i - 1]);
    expect(Math.abs(v2.loss - v1.loss) / v1.loss).toBeLessThan(1e-5);
    expect(Math.abs(v2.contentLoss - v1.contentLoss)).toBeLessThanOrEqual(1e-5 * Math.max(1, v1.contentLoss));
    expect(relativeError(g2, g1)).toBeLessThan(1e-5);
    await Promise.all([oneShot.dispose(), chunked.dispose(), net.dispose()]);
  });
});

describe("the runtime's pause (Runtime.pause) in long passes", () => {
  it('is awaited after every chunk of a pass and of an evaluation, and stops them where it throws', async () => {
    let pauses = 0;
    const counting: Runtime = { ...runtime, pause: async () => void pauses++ };
    const shape = { bins: 33, filters: 16, kernel: 5 };
    const net = StyleNet.create(counting, shape, 7, 'dft');
    await net.prepare();
    pauses = 0;
    const spec = randomSpec(shape.bins, 70, 3); // 66 feature frames: chunks of 16 -> 5
    await net.features(spec, 16);
    await net.gramSumInto(spec, new Float64Array(16 * 16), 16);
    expect(pauses).toBe(10);
    const target = await net.styleTarget(randomSpec(shape.bins, 40, 1), spec.frames, 'gram');
    const objective = await ChunkedStyleObjective.create(net, { frames: spec.frames, target, chunkFeatureFrames: 16 });
    pauses = 0;
    await objective.evaluate(spec.data, new Float32Array(spec.data.length));
    expect(pauses).toBe(10); // the Gram pass's 5 chunks, then the gradient pass's
    let left = 2;
    counting.pause = async () => {
      if (--left < 0) throw new Error('stopped');
    };
    await expect(net.gramSumInto(spec, new Float64Array(16 * 16), 16)).rejects.toThrow('stopped');
    expect(left).toBe(-1); // after the third chunk, not at the end
    await objective.dispose();
    await net.dispose();
  });
});

describe('chunked objective on a runtime that writes outputs in place (onnxruntime-node on the CPU)', () => {
  // There the graph adds each chunk's Gram sum to the sum so far (Gemm's C, in float32), two tensors taking turns, as
  // on a GPU, where without it the chunks' sums are added up in float64 in JavaScript: the same to float32 rounding.
  // The style's own Gram (StyleNet.gramSumInto) is still summed in float64, to the bit.
  // There the sums are the symmetric Gram's three distinct blocks (GRAM_HALVES); 15 filters make the halves unequal.
  it.each<[ConvolutionChoice, number, number]>([
    ['direct', 0, 16],
    ['dft', 0, 16],
    ['dft', 2 ** 20, 16],
    ['direct', 2 ** 20, 16],
    ['dft', 0, 15],
    ['direct', 2 ** 20, 15],
  ])('gives the same loss and gradient, the Gram sums added in the graph (%s, feature cache %i, %i filters)', async (convolution, featureCacheBytes, filters) => {
    const frames = 70;
    const problem = smallProblem(frames);
    const { style, content, x } = problem;
    const shape = { ...problem.shape, filters };
    const results = [];
    for (const rt of [runtime, { ...runtime, outputsInPlace: true }]) {
      const net = StyleNet.create(rt, shape, 3, convolution);
      const target = await net.styleTarget(style, frames, 'gram');
      const objective = await ChunkedStyleObjective.create(net, {
        frames,
        target,
        content: { spectrogram: content, weight: 0.2 },
        chunkFeatureFrames: 16,
        featureCacheBytes,
      });
      const grad = new Float32Array(x.length);
      const value = await objective.evaluate(x, grad);
      results.push({ value, grad, target });
      await objective.dispose();
      await net.dispose();
    }
    const [plain, inPlace] = results;
    expect(inPlace.target).toEqual(plain.target);
    expect(inPlace.value.styleLoss).not.toBe(plain.value.styleLoss); // it did take the other path
    expect(Math.abs(inPlace.value.styleLoss - plain.value.styleLoss) / plain.value.styleLoss).toBeLessThan(1e-5);
    expect(inPlace.value.contentLoss).toBe(plain.value.contentLoss); // the second pass does not read the Gram's sum
    expect(relativeError(inPlace.grad, plain.grad)).toBeLessThan(1e-5);
  });
});

describe("a style's Gram sum on a runtime that writes outputs in place", () => {
  // There the graph adds each chunk's sum to the sum so far in float32 (StyleNet.gramSumInto): one chunk gives the
  // float64 path's sum to the bit, several the same to float32 rounding, against the sum of the plain features.
  it.each<ConvolutionChoice>(['direct', 'dft'])('matches the float64 sum, to the bit in one chunk (%s)', async (convolution) => {
    const { shape, style } = smallProblem(40);
    const sums: Record<string, Float64Array>[] = [];
    for (const rt of [runtime, { ...runtime, outputsInPlace: true }]) {
      const net = StyleNet.create(rt, shape, 3, convolution);
      const N2 = shape.filters ** 2;
      sums.push({ one: await net.gramSumInto(style, new Float64Array(N2), 64), several: await net.gramSumInto(style, new Float64Array(N2), 12) });
      await net.dispose();
    }
    const [plain, inPlace] = sums;
    expect(inPlace.one).toEqual(plain.one);
    expect(inPlace.several).not.toEqual(plain.several); // it did add in float32
    expect(relativeError(Float32Array.from(inPlace.several), Float32Array.from(plain.several))).toBeLessThan(1e-6);
    expect(relativeError(Float32Array.from(plain.several), Float32Array.from(plain.one))).toBeLessThan(1e-6); // chunks tile the clip
  });
});

describe('chunked objective given the content spectrogram', () => {
  // It takes the content's features itself, chunk by chunk, and keeps them at half precision (binary16: each value
  // within 2^-11 of float32's, relative). The style term is untouched; the content term moves by about that much.
  it.each<ConvolutionChoice>(['direct', 'dft'])('matches the objective given the float32 features, to half precision (%s convolution)', async (convolution) => {
    const shape = { bins: 33, filters: 16, kernel: 5 };
    const frames = 70;
    const net = StyleNet.create(runtime, shape, 3, convolution);
    const style = randomSpec(shape.bins, 50, 1);
    const content = randomSpec(shape.bins, frames, 2);
    const target = await net.styleTarget(style, frames, 'gram');
    const common = { frames, target, chunkFeatureFrames: 16 };
    const P = await net.features(content);
    const single = await ChunkedStyleObjective.create(net, { ...common, content: { features: P, weight: 0.2 } });
    const half = await ChunkedStyleObjective.create(net, { ...common, content: { spectrogram: content, weight: 0.2 } });
    // Near the content, where the content term is small and its rounding counts most, and far from it.
    const near = Float32Array.from(content.data, (v, i) => v + 0.05 * Math.sin(i));
    for (const x of [near, randomSpec(shape.bins, frames, 8).data]) {
      const g1 = new Float32Array(x.length);
      const g2 = new Float32Array(x.length);
      const v1 = await single.evaluate(x, g1);
      const v2 = await half.evaluate(x, g2);
      expect(v2.styleLoss).toBe(v1.styleLoss);
      expect(v2.contentLoss).not.toBe(v1.contentLoss); // it is kept at half precision
      // Each kept value P' is within 2^-11 |P| of P, so the term w sum (F - P')^2 moves by at most
      // w sum |P - P'| (2 |F - P| + |P - P'|); float32's own rounding of the sums adds ~1e-6 of the term.
      const F = await net.features({ data: x, bins: shape.bins, frames });
      let bound = 0;
      for (let i = 0; i < P.length; i++) {
        const e = 2 ** -11 * Math.abs(P[i]);
        bound += 0.2 * e * (2 * Math.abs(F[i] - P[i]) + e);
      }
      expect(Math.abs(v2.contentLoss - v1.contentLoss)).toBeLessThanOrEqual(bound + 1e-6 * v1.contentLoss);
      // The gradient's content part, 2w (F - P') through the ReLU and the transposed conv, is off by the same 2^-11 of
      // P at most: near the content, where the content part is the whole gradient's size, 4.8e-4 measured.
      expect(relativeError(g2, g1)).toBeLessThan(1e-3);
    }
    await expect(ChunkedStyleObjective.create(net, { ...common, content: { spectrogram: randomSpec(shape.bins, frames - 1, 2), weight: 0.2 } })).rejects.toThrow(
      /content spectrogram has 69 frames, the objective 70/,
    );
    await Promise.all([single.dispose(), half.dispose(), net.dispose()]);
  });
});

describe('sum of objectives (several kernel widths)', () => {
  it('adds the parts’ values and gradients', async () => {
    const frames = 30;
    const nets = [3, 7].map((kernel, i) => StyleNet.create(runtime, { bins: 33, filters: 16, kernel }, i));
    const style = randomSpec(33, 40, 1);
    const parts = await Promise.all(nets.map(async (net) => StyleObjective.create(net, { frames, target: await net.styleTarget(style, frames) })));
    const sum = new SumObjective(parts);
    const x = randomSpec(33, frames, 2).data;
    const g = new Float32Array(x.length);
    const total = await sum.evaluate(x, g);
    const g0 = new Float32Array(x.length);
    const g1 = new Float32Array(x.length);
    const v0 = await parts[0].evaluate(x, g0);
    const v1 = await parts[1].evaluate(x, g1);
    expect(total.loss).toBeCloseTo(v0.loss + v1.loss, 6);
    for (let i = 0; i < x.length; i += 17) expect(g[i]).toBeCloseTo(g0[i] + g1[i], 5);
    await sum.dispose();
    // Parts that run in chunks are told as equal shares of the sum: the first ends at a half.
    const chunked = await Promise.all(
      nets.map(async (net) => ChunkedStyleObjective.create(net, { frames, target: await net.styleTarget(style, frames, 'gram'), chunkFeatureFrames: 8 })),
    );
    const shares: number[] = [];
    await new SumObjective(chunked).evaluate(x, g, (share) => shares.push(share));
    const first = 2 * Math.ceil((frames - 3 + 1) / 8); // both passes' chunks: 28 feature frames, then 24 (kernel 7)
    expect(shares).toHaveLength(first + 2 * Math.ceil((frames - 7 + 1) / 8));
    expect(shares[first - 1]).toBeCloseTo(0.5, 12);
    expect(shares.at(-1)).toBe(1);
    for (let i = 1; i < shares.length; i++) expect(shares[i]).toBeGreaterThan(shares[i - 1]);
    await Promise.all(chunked.map((c) => c.dispose()));
    await Promise.all(nets.map((n) => n.dispose()));
  });
});

describe('style statistics of several excerpts', () => {
  it.each<[StyleMode, ConvolutionChoice]>([
    ['gram', 'direct'],
    ['kernel', 'direct'],
    ['gram', 'dft'],
    ['kernel', 'dft'],
  ])('pool the excerpts\' own features into one Gram matrix (%s form, %s convolution)', async (mode, convolution) => {
    const shape = { bins: 33, filters: 64, kernel: 5 };
    const net = StyleNet.create(runtime, shape, 5, convolution);
    const parts = [randomSpec(shape.bins, 14, 1), randomSpec(shape.bins, 9, 2), randomSpec(shape.bins, 12, 3)];
    const target = await net.styleTarget(parts, 20, mode);
    expect(target.mode).toBe(mode);
    // The reference: each excerpt's features on its own (no frame spans two), side by side, and their Gram over all.
    const feats = parts.map((p) => refFeatures(p.data, p.frames, net.weights, shape));
    const Ts = feats.reduce((sum, f) => sum + f.length / shape.filters, 0);
    const joined = new Float64Array(shape.filters * Ts);
    let column = 0;
    for (const f of feats) {
      const tf = f.length / shape.filters;
      for (let n = 0; n < shape.filters; n++) joined.set(f.subarray(n * tf, (n + 1) * tf), n * Ts + column);
      column += tf;
    }
    const expected = refGram(joined, shape.filters);
    let gram: Float64Array;
    if (target.mode === 'gram') gram = Float64Array.from(target.gram);
    else {
      expect(target.featureFrames).toBe(Ts);
      gram = new Float64Array(shape.filters * shape.filters);
      for (let i = 0; i < shape.filters; i++) {
        for (let j = 0; j < shape.filters; j++) {
          let s = 0;
          for (let t = 0; t < Ts; t++) s += target.features[i * Ts + t] * target.features[j * Ts + t];
          gram[i * shape.filters + j] = s;
        }
      }
    }
    // float32 features and sums: 1e-5 relative.
    expect(relativeError(gram, expected)).toBeLessThan(1e-5);
    await net.dispose();
  });
});

describe('inputs kept on the device (runtime.residentInputs)', () => {
  /**
   * onnxruntime-node's CPU backend standing in for a GPU: sessions made with outputs on the device return them as
   * 'gpu-buffer' tensors (their values held aside), and every session takes such tensors back as inputs. Records
   * what each run was fed and which device tensors were disposed.
   */
  function fakeDevice(executionProviders = ['cpu']) {
    const held = new Map<object, ort.Tensor>();
    const fed: { name: string; location: string }[][] = [];
    const disposed: object[] = [];
    const toDevice = (t: ort.Tensor): ort.Tensor => {
      const buffer = {};
      held.set(buffer, t);
      return ort.Tensor.fromGpuBuffer(buffer as never, {
        dataType: 'float32',
        dims: t.dims,
        dispose: () => disposed.push(buffer),
      }) as unknown as ort.Tensor;
    };
    const InferenceSession = {
      create: async (model: Uint8Array, options: ort.InferenceSession.SessionOptions) => {
        const { preferredOutputLocation, ...rest } = options;
        const session = await ort.InferenceSession.create(model, { ...rest, executionProviders: ['cpu'] });
        return {
          inputNames: session.inputNames,
          outputNames: session.outputNames,
          release: () => session.release(),
          run: async (feeds: Record<string, ort.Tensor>) => {
            fed.push(Object.entries(feeds).map(([name, t]) => ({ name, location: t.location })));
            const onCpu = Object.fromEntries(
              Object.entries(feeds).map(([name, t]) => [name, t.location === 'gpu-buffer' ? (held.get(t.gpuBuffer as object) as ort.Tensor) : t]),
            );
            const out = await session.run(onCpu);
            if (preferredOutputLocation !== 'gpu-buffer') return out;
            return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, toDevice(t as ort.Tensor)]));
          },
        };
      },
    };
    const runtime: Runtime = { ort: { ...ort, InferenceSession } as unknown as Runtime['ort'], executionProviders, threads: 1, residentInputs: true };
    return { runtime, fed, disposed, held };
  }

  /**
   * Builds an objective with `make` on the plain CPU runtime and on a stand-in device, and evaluates each once at a
   * random point: the values, gradients and the feeds of that evaluation, and the device's record of its copies.
   */
  async function plainAndResident(
    shape: { bins: number; filters: number; kernel: number },
    convolution: ConvolutionChoice,
    frames: number,
    styleFrames: number,
    make: (net: StyleNet, style: LogSpectrogram, contentFeatures: Float32Array) => Promise<{ evaluate: StyleObjective['evaluate']; dispose(): Promise<void> }>,
  ) {
    const style = randomSpec(shape.bins, styleFrames, 1);
    const content = randomSpec(shape.bins, frames, 2);
    const x = randomSpec(shape.bins, frames, 8).data;
    const device = fakeDevice();
    const results = [];
    for (const rt of [runtime, device.runtime]) {
      const net = StyleNet.create(rt, shape, 3, convolution);
      const objective = await make(net, style, await net.features(content));
      const grad = new Float32Array(x.length);
      device.fed.length = 0;
      const value = await objective.evaluate(x, grad);
      results.push({ value, grad, evaluationFeeds: device.fed.flat() });
      await Promise.all([objective.dispose(), net.dispose()]);
    }
    const [plain, resident] = results;
    expect(resident.value.loss).toBe(plain.value.loss);
    expect(Array.from(resident.grad)).toEqual(Array.from(plain.grad));
    return { resident, device };
  }

  it.each<[StyleMode, ConvolutionChoice]>([
    ['kernel', 'direct'],
    ['gram', 'direct'],
    ['kernel', 'dft'],
    ['gram', 'dft'],
  ])('feeds every evaluation the device copies of the weights and statistics, and frees them (%s, %s)', async (mode, convolution) => {
    const frames = 40;
    const { resident, device } = await plainAndResident({ bins: 33, filters: 64, kernel: 5 }, convolution, frames, 30, async (net, style, features) =>
      StyleObjective.create(net, { frames, target: await net.styleTarget(style, frames, mode), content: { features, weight: 0.2 } }),
    );
    // Only the spectrogram crosses from the CPU at an evaluation.
    const fromCpu = resident.evaluationFeeds.filter((f) => f.location === 'cpu').map((f) => f.name);
    expect(fromCpu).toEqual([convolution === 'dft' ? IO.blocks : IO.spec]);
    expect(resident.evaluationFeeds.length).toBeGreaterThan(2);
    // Every device copy was freed by the disposals.
    expect(new Set(device.disposed).size).toBe(device.held.size);
    expect(device.held.size).toBeGreaterThan(2);
  });

  it.each<[ConvolutionChoice, number]>([
    ['direct', 0],
    ['direct', 2 ** 20],
    ['dft', 0],
    ['dft', 2 ** 20],
  ])('chunked: never sends the weights with a chunk, and gives the plain loss and gradient (%s, feature cache %i)', async (convolution, featureCacheBytes) => {
    const frames = 70;
    const { resident, device } = await plainAndResident({ bins: 33, filters: 16, kernel: 5 }, convolution, frames, 50, async (net, style, features) =>
      ChunkedStyleObjective.create(net, {
        frames,
        target: await net.styleTarget(style, frames, 'gram'),
        content: { features, weight: 0.2 },
        chunkFeatureFrames: 16,
        featureCacheBytes,
      }),
    );
    const weights = new Set<string>([IO.weights, IO.flippedWeights, IO.spectralWeights]);
    const sentWeights = resident.evaluationFeeds.filter((f) => weights.has(f.name));
    expect(sentWeights.length).toBeGreaterThan(4); // five chunks, two passes
    expect(sentWeights.filter((f) => f.location === 'cpu')).toEqual([]);
    expect(new Set(device.disposed).size).toBe(device.held.size);
  });

  it.each<[ConvolutionChoice, number | undefined, number | undefined]>([
    ['direct', undefined, undefined],
    ['dft', undefined, undefined],
    ['direct', 0, undefined],
    ['dft', 0, 0],
  ])('chunked on a GPU: 4096-frame chunks, the Gram sum added up there, D sent once, the CPU loss and gradient (%s, feature cache %s, content on the device %s)', async (convolution, featureCacheBytes, contentDeviceBytes) => {
    // 5000 frames: 2 chunks on a GPU, against 10 (DFT form) or 3 (Conv form) on the CPU.
    const shape = { bins: 17, filters: 8, kernel: 5 };
    const frames = 5000;
    const style = randomSpec(shape.bins, 300, 1);
    const content = randomSpec(shape.bins, frames, 2);
    const x = randomSpec(shape.bins, frames, 8).data;
    const results = [];
    for (const device of [fakeDevice(['cpu']), fakeDevice(['webgpu'])]) {
      const net = StyleNet.create(device.runtime, shape, 3, convolution);
      const objective = await ChunkedStyleObjective.create(net, {
        frames,
        target: await net.styleTarget(style, frames, 'gram'),
        content: { spectrogram: content, weight: 0.2 },
        featureCacheBytes,
        contentDeviceBytes,
      });
      const evaluations = [];
      for (const seed of [8, 9]) {
        const point = seed === 8 ? x : randomSpec(shape.bins, frames, seed).data;
        const grad = new Float32Array(point.length);
        device.fed.length = 0;
        const value = await objective.evaluate(point, grad);
        evaluations.push({ runs: device.fed.map((run) => Object.fromEntries(run.map((f) => [f.name, f.location]))), value, grad });
      }
      results.push({ chunk: net.chunkFeatureFrames, evaluations, gramOnDevice: objective.gramOnDevice });
      await Promise.all([objective.dispose(), net.dispose()]);
      // Every copy on the device was freed: the weights, the zeros, each chunk's sum and features, each evaluation's D.
      expect(new Set(device.disposed).size).toBe(device.held.size);
    }
    const [cpu, gpu] = results;
    expect([cpu.chunk, gpu.chunk]).toEqual([convolution === 'dft' ? 512 : 2048, 4096]);
    expect([cpu.gramOnDevice, gpu.gramOnDevice]).toEqual([false, true]);
    for (const [k, { runs, value, grad }] of gpu.evaluations.entries()) {
      // Pass 1: two runs, each fed the sum so far from the device; the total copied out once (an Identity's 'x').
      const firstPass = runs.filter((r) => IO.gramSoFar in r);
      expect(firstPass).toHaveLength(2);
      expect(firstPass.map((r) => r[IO.gramSoFar])).toEqual(['gpu-buffer', 'gpu-buffer']);
      const copies = runs.filter((r) => 'x' in r).map((r) => r.x);
      expect(copies.sort()).toEqual(['cpu', 'gpu-buffer']); // D in, the Gram sum out
      // Pass 2: two runs, each fed D from the device, and the features from there when they were kept.
      const secondPass = runs.filter((r) => IO.gramDifference in r);
      expect(secondPass.map((r) => r[IO.gramDifference])).toEqual(['gpu-buffer', 'gpu-buffer']);
      expect(secondPass.map((r) => r[IO.features])).toEqual(featureCacheBytes === 0 ? [undefined, undefined] : ['gpu-buffer', 'gpu-buffer']);
      // The content's features were sent once, when the objective was made, unless none may be kept there.
      expect(secondPass.map((r) => r[IO.contentFeatures])).toEqual(contentDeviceBytes === 0 ? ['cpu', 'cpu'] : ['gpu-buffer', 'gpu-buffer']);
      expect(runs).toHaveLength(6);
      const plain = cpu.evaluations[k];
      // The same sums in other orders (2 chunks against 10): float32 rounding, up to 1.4e-5 of the gradient in the DFT
      // form (16-frame blocks, three real products a bin), under 1e-5 in the Conv form.
      expect(Math.abs(value.loss - plain.value.loss) / plain.value.loss).toBeLessThan(1e-5);
      expect(relativeError(grad, plain.grad)).toBeLessThan(2e-5);
    }
    expect(gpu.evaluations[1].value.loss).not.toBe(gpu.evaluations[0].value.loss); // a second point, not a stale sum
    expect(gpu.evaluations[0].value.contentLoss).toBeGreaterThan(0);
    // Off the device the content's features go with their chunks.
    expect(cpu.evaluations[0].runs.filter((r) => IO.contentFeatures in r).map((r) => r[IO.contentFeatures])).toEqual(
      Array(cpu.evaluations[0].runs.filter((r) => IO.gramDifference in r).length).fill('cpu'),
    );
  });

  it('the accumulating features graph adds its Gram sum to the one it is given', async () => {
    const shape = { bins: 9, filters: 6, kernel: 3 };
    const spec = randomSpec(shape.bins, 20, 4);
    const net = StyleNet.create(runtime, shape, 2, 'direct');
    const session = await createSession(runtime, buildChunkFeaturesGraph({ ...shape, gramSum: { accumulate: true } }));
    const soFar = Float32Array.from({ length: 36 }, (_, i) => i - 10);
    const feeds = { ...(await net.specFeeds(spec.data, spec.frames, 0, spec.frames)), [IO.gramSoFar]: new ort.Tensor('float32', soFar, [6, 6]) };
    const out = await session.run(feeds);
    const Tf = spec.frames - shape.kernel + 1;
    const expected = refGram(refFeatures(spec.data, spec.frames, net.weights, shape), shape.filters).map((g, i) => g * Tf + soFar[i]);
    expect(relativeError(out[IO.gramSum].data as Float32Array, expected)).toBeLessThan(1e-6);
    await Promise.all([session.release(), net.dispose()]);
  });

  it('pads the Conv form to channels that WebGPU computes right, with the same features, loss and gradient', async () => {
    // The broken shapes: output channels a multiple of 4, input channels a multiple of 3 but not of 4 (not 3), K > 1.
    const padded = (bins: number, filters: number, kernel: number): number => gpuSafeConvChannels({ bins, filters, kernel });
    expect([padded(33, 16, 11), padded(129, 4096, 11), padded(513, 4096, 3), padded(2049, 4096, 5)]).toEqual([36, 132, 516, 2052]);
    expect([padded(1025, 4096, 11), padded(257, 4096, 11), padded(33, 15, 11), padded(3, 16, 11), padded(33, 16, 1)]).toEqual([1025, 257, 33, 3, 33]);
    // On the stand-in GPU the graphs get the padding; the CPU's Conv gives the unpadded values, to float rounding.
    const frames = 60;
    const { shape, style, content, x } = smallProblem(frames);
    const results = [];
    for (const rt of [runtime, fakeDevice(['webgpu']).runtime]) {
      const net = StyleNet.create(rt, shape, 3, 'direct');
      const features = await net.features(content);
      const options = { frames, target: await net.styleTarget(style, frames, 'gram'), content: { features, weight: 0.2 } };
      const values = [];
      for (const objective of [await StyleObjective.create(net, options), await ChunkedStyleObjective.create(net, { ...options, chunkFeatureFrames: 16 })]) {
        const grad = new Float32Array(x.length);
        values.push({ value: await objective.evaluate(x, grad), grad });
        await objective.dispose();
      }
      results.push({ convChannels: net.graphShape.convChannels, features, values });
      await net.dispose();
    }
    const [cpu, gpu] = results;
    expect([cpu.convChannels, gpu.convChannels]).toEqual([undefined, 36]);
    expect(relativeError(gpu.features, cpu.features)).toBeLessThan(1e-6);
    for (const [k, { value, grad }] of gpu.values.entries()) {
      expect(Math.abs(value.loss - cpu.values[k].value.loss) / cpu.values[k].value.loss).toBeLessThan(1e-6);
      expect(relativeError(grad, cpu.values[k].grad)).toBeLessThan(1e-5);
    }
  });

  it("'auto' takes onnxruntime's Conv on a GPU up to kernel 11, DFT blocks above it and on the CPU", () => {
    const gpu: Runtime = { ort, executionProviders: ['webgpu'], threads: 1 };
    const form = (rt: Runtime, kernel: number, choice: ConvolutionChoice = 'auto'): string =>
      StyleNet.create(rt, { bins: 9, filters: 4, kernel }, 1, choice).conv ? 'dft' : 'direct';
    expect([form(gpu, 11), form(gpu, GPU_DIRECT_MAX_KERNEL + 2), form(gpu, 11, 'dft'), form(gpu, 3)]).toEqual(['direct', 'dft', 'dft', 'direct']);
    expect([form(runtime, 11), form(runtime, 13), form(runtime, 11, 'direct'), form(runtime, 3)]).toEqual(['dft', 'dft', 'direct', 'direct']);
  });

  it('a GPU runtime that falls back to the CPU chunks as the CPU does', () => {
    const rt: Runtime = { ort, executionProviders: ['webgpu'], threads: 1 };
    const net = StyleNet.create(rt, { bins: 9, filters: 4, kernel: 11 }, 1, 'dft');
    expect(computesOnGpu(rt)).toBe(true);
    expect(net.chunkFeatureFrames).toBe(GPU_CHUNK_FEATURE_FRAMES);
    rt.executionProviders = ['cpu']; // as createSession's fallback leaves it
    expect(computesOnGpu(rt)).toBe(false);
    expect(net.chunkFeatureFrames).toBe(DFT_CHUNK_FEATURE_FRAMES);
    for (const [providers, gpu] of [[['wasm'], false], [['webgpu', 'wasm'], true], [[], false]] as const) {
      expect(computesOnGpu({ ...rt, executionProviders: [...providers] })).toBe(gpu);
    }
  });

  it('leave tensors as they are on a backend that keeps outputs on the CPU', async () => {
    const { residentTensor } = await import('../src/model/runtime.js');
    const rt: Runtime = { ort, executionProviders: ['cpu'], threads: 1, residentInputs: true };
    const t = new ort.Tensor('float32', Float32Array.of(1, 2, 3), [3]);
    expect(await residentTensor(rt, t)).toBe(t);
    expect(rt.notes ?? []).toEqual([]);
  });
});

describe("the graphs' sums over whole matrices", () => {
  // 16.7M values, an N x N Gram difference at 4096 filters. onnxruntime's ReduceSumSquare over the whole tensor came out
  // 1.0e-3 low on the CPU and 2.4e-2 low on WebAssembly; in two stages both are within 3e-7 of a float64 sum.
  const n = 4096;
  const rng = new Random(21);
  const a = new Float32Array(n * n);
  const b = new Float32Array(n * n);
  for (let i = 0; i < a.length; i++) {
    a[i] = (rng.uniform() - 0.5) * 0.01;
    b[i] = rng.uniform() * 0.01;
  }
  // Positive products, so that the sum is not a small difference of large ones (whose relative error would say nothing).
  const c = a.map(Math.abs);
  let squares = 0;
  let products = 0;
  for (let i = 0; i < a.length; i++) {
    squares += a[i] * a[i];
    products += c[i] * b[i];
  }
  const graph = (): Uint8Array => {
    const g = new GraphBuilder('sums');
    const x = g.input('a', [n, n]);
    const y = g.input('b', [n, n]);
    sumOfSquares(g, x, 'squares');
    g.op('Identity', [sumOfProducts(g, x, y)], {}, 'products');
    g.output('squares', []);
    g.output('products', []);
    return g.toBytes();
  };

  it.each<['cpu' | 'wasm']>([['cpu'], ['wasm']])('are within 1e-6 of a float64 sum (%s)', async (where) => {
    const rt = where === 'wasm' ? wasm : runtime;
    const session = await createSession(rt, graph());
    const out = await session.run({ a: floatTensor(rt, a, [n, n]), b: floatTensor(rt, b, [n, n]) });
    const outProducts = await session.run({ a: floatTensor(rt, c, [n, n]), b: floatTensor(rt, b, [n, n]) });
    const near = (value: number, reference: number): number => Math.abs(value - reference) / Math.abs(reference);
    expect(near((out.squares.data as Float32Array)[0], squares)).toBeLessThan(1e-6);
    expect(near((outProducts.products.data as Float32Array)[0], products)).toBeLessThan(1e-6);
    await session.release();
  });
});
