/**
 * Whether a GPU backend computes what the CPU does, in seconds: onnxruntime's Conv over a range of channel counts (the
 * shapes where onnxruntime-node 1.30's WebGPU Conv is wrong, which gpuSafeConvChannels pads), the Conv form's features
 * with that padding, and the chunked objective (the Gram sums added up on the device, D sent once, features kept there
 * or not) in both convolution forms over two evaluations, at the default kernel width unless --kernel names another
 * (the DFT blocks' size follows the width). Prints relative errors; bench/gpu.sh runs it.
 *
 *   npx tsx bench/gpu-agreement.ts [--device webgpu] [--kernel K]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { DEFAULT_SETTINGS, StyleNet, nodeRuntime, type Device } from '../src/node/index.js';
import { ChunkedStyleObjective } from '../src/model/objectives.js';
import { GraphBuilder } from '../src/model/onnx-graph.js';
import { gpuSafeConvChannels } from '../src/model/graphs.js';
import { Random } from '../src/dsp/random.js';
// The numeric tests' tolerance measure, ||a - b|| / ||b||.
import { relativeError as relative } from '../test/reference.js';

const { values } = parseArgs({ options: { device: { type: 'string', default: 'webgpu' }, kernel: { type: 'string', default: String(DEFAULT_SETTINGS.kernel) } } });
const device = values.device as Device;
const kernel = Number(values.kernel);
const provider = device === 'cpu' ? 'cpu' : 'webgpu';
const random = (n: number, seed: number): Float32Array => {
  const rng = new Random(seed);
  return Float32Array.from({ length: n }, () => rng.uniform() - 0.5);
};
console.log(`${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} threads; ${provider} against the CPU; kernel ${kernel}`);

// 1. onnxruntime's Conv alone, 16 output channels: which input channel counts come out wrong.
const wrong: number[] = [];
const padded: number[] = [];
for (let C = 1; C <= 64; C++) {
  const g = new GraphBuilder('conv');
  g.op('Conv', [g.input('x', [1, C, 60]), g.input('w', [16, C, kernel])], {}, g.output('y', [1, 16, 61 - kernel]));
  const feeds = { x: new ort.Tensor('float32', random(C * 60, C), [1, C, 60]), w: new ort.Tensor('float32', random(16 * C * kernel, C + 1000), [16, C, kernel]) };
  const outs = [];
  for (const ep of ['cpu', provider]) {
    const session = await ort.InferenceSession.create(g.toBytes(), { executionProviders: [ep] });
    outs.push((await session.run(feeds)).y.data as Float32Array);
    await session.release();
  }
  if (relative(outs[1], outs[0]) > 1e-4) wrong.push(C);
  if (gpuSafeConvChannels({ bins: C, filters: 16, kernel }) !== C) padded.push(C);
}
console.log(`Conv, 16 outputs, kernel ${kernel}: wrong for input channels ${JSON.stringify(wrong)}; padded for ${JSON.stringify(padded)}`);

// 2. The chunked objective, as the pipeline builds it, against the CPU's.
const shape = { bins: 129, filters: 256, kernel };
const frames = 9000; // 3 chunks of 4096 feature frames on a GPU
const spec = (seed: number): { data: Float32Array; bins: number; frames: number } => ({ data: random(shape.bins * frames, seed).map((v) => v + 0.5), bins: shape.bins, frames });
const style = { ...spec(1), frames: 2000, data: spec(1).data.subarray(0, shape.bins * 2000) };
for (const conv of ['dft', 'direct'] as const) {
  for (const featureCacheBytes of [undefined, 0]) {
    const results = [];
    for (const d of ['cpu', device] as const) {
      const runtime = nodeRuntime(4, d);
      const net = StyleNet.create(runtime, shape, 3, conv);
      const features = await net.features(spec(7));
      const objective = await ChunkedStyleObjective.create(net, {
        frames,
        target: await net.styleTarget(style, frames, 'gram'),
        content: { features, weight: 0.01 },
        featureCacheBytes,
      });
      const evaluations = [];
      for (const seed of [2, 3]) {
        const grad = new Float32Array(shape.bins * frames);
        const t0 = performance.now();
        const value = await objective.evaluate(spec(seed).data, grad);
        // The point's features, to find the ReLUs that the two devices' rounding puts on opposite sides of their kink.
        evaluations.push({ value, grad, ms: performance.now() - t0, features: await net.features(spec(seed)) });
      }
      results.push({ features, evaluations, onDevice: objective.gramOnDevice });
      await Promise.all([objective.dispose(), net.dispose()]);
    }
    const [cpu, gpu] = results;
    const parts = gpu.evaluations.map((e, k) => {
      const c = cpu.evaluations[k];
      let kinks = 0;
      for (let i = 0; i < e.features.length; i++) if (e.features[i] > 0 !== c.features[i] > 0) kinks++;
      return `loss ${(Math.abs(e.value.loss - c.value.loss) / c.value.loss).toExponential(1)} grad ${relative(e.grad, c.grad).toExponential(1)} (${kinks} ReLUs across their kink; ${e.ms.toFixed(0)} ms, CPU ${c.ms.toFixed(0)})`;
    });
    console.log(`${conv}, features ${featureCacheBytes === 0 ? 'not kept' : 'kept'}: sums on the device ${gpu.onDevice}; features ${relative(gpu.features, cpu.features).toExponential(1)}; ${parts.join('; ')}`);
  }
}
// A ReLU whose input the two devices round to opposite signs passes its gradient on one and not the other: over its
// kernel's frames the gradients then differ by the content term's pull on that unit. At kernel 11, on the H100 and on
// SwiftShader alike, 3 such units (of 2.3 million) put the Conv form's second point at a gradient error of 1.5e-3, the
// others at 1.5e-6.
console.log('A point whose ReLUs all agree should match to about 1e-5; one unit across its kink can cost 1e-3 of the gradient.');
