// onnxruntime-node's bundled WebGPU backend, on SwiftShader's Vulkan (shipped with Debian's Chromium, which the test
// command installs) instead of a GPU: the GPU code path (inputs kept on the device, a GPU's chunk sizes) against the
// CPU's, on a machine without a GPU. Times mean nothing here; values must agree.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChunkedStyleObjective } from '../src/model/objectives.js';
import { computesOnGpu } from '../src/model/runtime.js';
import { GPU_CHUNK_FEATURE_FRAMES, StyleNet, type ConvolutionChoice, type LogSpectrogram } from '../src/model/style-net.js';
import { Random } from '../src/dsp/random.js';
import { decodeAudio, nodeRuntime, transfer, type AudioClip } from '../src/node/index.js';
import { relativeError } from './reference.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
// Read by the Vulkan loader when Dawn first starts, in the first WebGPU session below.
process.env.VK_DRIVER_FILES ??= SWIFTSHADER_ICD;

function randomSpec(bins: number, frames: number, seed: number): LogSpectrogram {
  const rng = new Random(seed);
  return { data: Float32Array.from({ length: bins * frames }, () => 2 * rng.uniform()), bins, frames };
}

/** Whether the system's Vulkan loader is installed (Dawn opens libvulkan.so.1; Chromium's own copy is not on its path). */
function hasVulkanLoader(): boolean {
  try {
    return /libvulkan\.so\.1 /.test(execFileSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
}

// scripts/ensure-chromium.sh (run by npm test) installs both where apt-get can.
describe.skipIf(!existsSync(SWIFTSHADER_ICD) || !hasVulkanLoader())('onnxruntime-node on WebGPU (SwiftShader)', () => {
  // The Conv form at 33 bins and 16 filters is a shape that onnxruntime's WebGPU Conv gets wrong (relative error 0.7)
  // unless its input is padded (gpuSafeConvChannels).
  it.each<[ConvolutionChoice, number | undefined]>([
    ['dft', undefined],
    ['direct', undefined],
    ['dft', 0],
  ])("runs a long clip's chunked objective in GPU-sized chunks, with the CPU's loss and gradient (%s, feature cache %s)", async (conv, featureCacheBytes) => {
    // 5000 frames: 2 chunks of up to 4096 feature frames on a GPU, 10 of 512 on the CPU (DFT form at kernel 11).
    const shape = { bins: 33, filters: 16, kernel: 11 };
    const frames = 5000;
    const style = randomSpec(shape.bins, 900, 1);
    const points = [randomSpec(shape.bins, frames, 2).data, randomSpec(shape.bins, frames, 3).data];
    const results = [];
    for (const device of ['cpu', 'webgpu'] as const) {
      const runtime = nodeRuntime(1, device);
      const net = StyleNet.create(runtime, shape, 3, conv);
      const target = await net.styleTarget(style, frames, 'gram');
      // With a content term, whose features a GPU keeps (sent once, here).
      const objective = await ChunkedStyleObjective.create(net, { frames, target, featureCacheBytes, content: { spectrogram: randomSpec(shape.bins, frames, 4), weight: 0.2 } });
      // Two evaluations: the second must not see the first's sums or features on the device.
      const evaluations = [];
      for (const x of points) {
        const grad = new Float32Array(x.length);
        evaluations.push({ value: await objective.evaluate(x, grad), grad });
      }
      results.push({ gpu: computesOnGpu(runtime), onDevice: objective.gramOnDevice, chunk: net.chunkFeatureFrames, evaluations, notes: runtime.notes ?? [] });
      await Promise.all([objective.dispose(), net.dispose()]);
    }
    const [cpu, gpu] = results;
    expect(gpu.notes).toEqual([]); // no fall-back to the CPU
    expect([cpu.gpu, gpu.gpu, cpu.onDevice, gpu.onDevice]).toEqual([false, true, false, true]);
    expect([cpu.chunk, gpu.chunk]).toEqual([conv === 'direct' ? 2048 : 512, GPU_CHUNK_FEATURE_FRAMES]);
    for (const [k, { value, grad }] of gpu.evaluations.entries()) {
      // Measured: losses within 1.1e-6, gradients within 1.2e-5 (float32 sums in another order).
      const plain = cpu.evaluations[k];
      expect(Math.abs(value.loss - plain.value.loss) / plain.value.loss).toBeLessThan(1e-5);
      expect(relativeError(grad, plain.grad)).toBeLessThan(1e-4);
    }
  });

  it("runs a whole transfer with the CPU's losses, and audio that differs from the CPU's only at float rounding", async () => {
    const clip = async (name: string): Promise<AudioClip> =>
      decodeAudio(new Uint8Array(readFileSync(new URL(`../examples/${name}.wav`, import.meta.url))), name);
    const [content, style] = await Promise.all([clip('speech'), clip('plucks')]);
    const request = { content, style, filters: 64, kernel: 11, threads: 2, iterations: 4, rounds: 2, phaseIterations: 4 };
    const cpu = await transfer({ ...request, device: 'cpu' });
    const gpu = await transfer({ ...request, device: 'webgpu' });
    expect(gpu.warnings.filter((w) => w.includes('webgpu'))).toEqual([]); // ran on WebGPU, no fall-back
    expect(gpu.lossHistory.length).toBe(cpu.lossHistory.length);
    // The optimiser's path follows the values: equal to float rounding at every step (measured: losses within 1.6e-6,
    // the audio within 3.0e-6).
    for (const [i, loss] of cpu.lossHistory.entries()) expect(Math.abs(gpu.lossHistory[i] - loss) / loss).toBeLessThan(1e-5);
    expect(relativeError(gpu.channels[0], cpu.channels[0])).toBeLessThan(1e-4);
  });
});
