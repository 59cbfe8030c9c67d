/**
 * The library for Node: the core pipeline bound to onnxruntime-node (CPU), plus file helpers.
 * Browser code imports the core (src/index.ts) and passes onnxruntime-web instead.
 */
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import type { Runtime } from '../model/runtime.js';
import type { WeightsStore } from '../model/weights.js';
import { GriffinLimPool } from './griffin-lim-pool.js';
import { NormalsPool } from './normals-pool.js';
import { collectGarbage } from './garbage.js';
import { normalsThreadsFor } from '../model/normals-threads.js';
import { HELD_OUT_DIRECT_MAX_FRAMES, measuredFrames } from '../quality/measures.js';
import { transfer as coreTransfer, type TransferHooks, type TransferRequest, type TransferResult } from '../pipeline/transfer.js';

export * from '../index.js';
export { STDIO, displayName, readInputFile, writeFileAtomic, writeOutput, checkWritable, removePendingTempFiles } from './files.js';
export { encodePng } from './png.js';
export { encodeFlac } from './flac.js';
export { GriffinLimPool } from './griffin-lim-pool.js';
export { NormalsPool } from './normals-pool.js';
export { DiskWeightsStore, defaultWeightsCacheDir, weightsCacheMaxBytes, WEIGHTS_CACHE_MAX_BYTES, WEIGHTS_CACHE_MIN_FREE_BYTES } from './weights-store.js';

/** Where the graphs run: the CPU, onnxruntime-node's bundled WebGPU backend, or WebGPU when there is an adapter. */
export type Device = 'cpu' | 'webgpu' | 'auto';

/** The devices, for validation and help. */
export const DEVICES: readonly Device[] = ['cpu', 'webgpu', 'auto'];

/**
 * Whether a Linux machine has a GPU device node: a DRM render node (/dev/dri/renderD*), an NVIDIA device
 * (/dev/nvidia0...) or WSL's GPU (/dev/dxg). Without one, WebGPU finds no adapter, and the attempt makes Dawn (under
 * onnxruntime's WebGPU) print several lines of its own to stderr. `list` reads a directory (for tests).
 */
export function hasGpuDeviceNode(list: (dir: string) => string[] = listDirectory): boolean {
  return list('/dev').some((name) => /^nvidia\d+$|^dxg$/.test(name)) || list('/dev/dri').some((name) => /^renderD\d+$/.test(name));
}

function listDirectory(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * onnxruntime-node with `threads` intra-op threads (0: one per core) on `device`: 'cpu'; 'webgpu' (an error if the
 * machine has no WebGPU adapter); or 'auto', WebGPU with a fall-back to the CPU and a note in runtime.notes. On Linux
 * without a GPU device node, 'auto' goes to the CPU without trying (hasGpuDeviceNode).
 */
export function nodeRuntime(threads = 0, device: Device = 'cpu', options: { weightsStore?: WeightsStore } = {}): Runtime {
  const notes: string[] = [];
  const cores = threads > 0 ? threads : os.availableParallelism();
  const griffinLimThreads = Math.min(GRIFFIN_LIM_MAX_THREADS, cores);
  if (device === 'auto' && process.platform === 'linux' && !hasGpuDeviceNode()) {
    notes.push('webgpu unavailable (no GPU device on this machine): running on the CPU');
    device = 'cpu';
  }
  return {
    ort,
    executionProviders: device === 'cpu' ? ['cpu'] : ['webgpu'],
    threads: cores,
    fallbackToCpu: device === 'auto',
    // WebGPU copies every input to the GPU on every run: the weights (235 MB in the Conv form a GPU takes at the defaults,
    // 386 MB in DFT blocks) are copied there once instead.
    residentInputs: device !== 'cpu',
    // On the CPU a long clip's Gram sums add up in two given N x N tensors rather than in a new 67 MB output per chunk.
    outputsInPlace: true,
    griffinLim: griffinLimPool(griffinLimThreads).run,
    // Worker threads that draw the nets' weights, only while they draw (NormalsPool): from 4 cores.
    ...(normalsThreadsFor(cores) > 0 ? { normals: normalsPool(normalsThreadsFor(cores)) } : {}),
    // The computing threads and the one that keeps their state.
    threadBytes: (griffinLimThreads + 1) * GRIFFIN_LIM_THREAD_BYTES,
    collectGarbage,
    ...(options.weightsStore ? { weightsStore: options.weightsStore } : {}),
    notes,
  };
}

/**
 * The most worker threads Griffin-Lim gets: each costs 15-20 MiB (measured: 41 MiB for 2, 120 MiB for 8), and its loops
 * are bound by memory traffic well before a many-core machine's last core.
 */
const GRIFFIN_LIM_MAX_THREADS = 8;

/** A Griffin-Lim worker thread's own memory, the most measured per thread (41 MiB for 2). */
const GRIFFIN_LIM_THREAD_BYTES = 20 * 2 ** 20;

/** The Griffin-Lim worker pools, one per thread count, kept for the process (their idle threads do not hold it open). */
const griffinLimPools = new Map<number, GriffinLimPool>();

/** The process's Griffin-Lim pool of `threads` worker threads. */
function griffinLimPool(threads: number): GriffinLimPool {
  let pool = griffinLimPools.get(threads);
  if (!pool) griffinLimPools.set(threads, (pool = new GriffinLimPool(threads)));
  return pool;
}

/** The weight-drawing pools, one per thread count, kept for the process (their workers stop when idle). */
const normalsPools = new Map<number, NormalsPool>();

/** The process's weight-drawing pool of `threads` worker threads. */
function normalsPool(threads: number): NormalsPool {
  let pool = normalsPools.get(threads);
  if (!pool) normalsPools.set(threads, (pool = new NormalsPool(threads)));
  return pool;
}

/**
 * Where a run's quality is measured: on the CPU, where the run computed there or its clips are short (the held-out nets
 * read up to HELD_OUT_DIRECT_MAX_FRAMES frames in all, about 60 s of each clip); else where the run computed. On a GPU
 * each held-out net opens sessions of its own, and on an H100 machine a 10 s run's measures took 1.07-1.43 s on WebGPU
 * against 0.67 s on its 16-thread CPU, and a 60 s run's 1.63 against 1.11 s, with the same figures to the fourth
 * decimal (2026-11-27; docs/benchmarks.md, "At today's defaults"); this 2-core machine's CPU takes 0.4-0.6 and 1.0-1.2 s.
 */
export function qualityDevice(device: Device, specs: Parameters<typeof measuredFrames>[0]): Device {
  return device === 'cpu' || measuredFrames(specs) <= HELD_OUT_DIRECT_MAX_FRAMES ? 'cpu' : device === 'webgpu' ? 'auto' : device;
}

/** This package's version, and those of what computes: "restyle 0.1.0 (onnxruntime-node 1.30.0, Node v20.20.2)". */
export function versionLine(): string {
  // Two levels up from src/node and from dist/node alike.
  const { name, version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return `${name} ${version} (onnxruntime-node ${ort.env.versions.node ?? ort.env.versions.common}, Node ${process.version})`;
}

/** Memory this process can still use, in bytes (the cgroup's limit or the system's available memory). */
export function availableMemoryBytes(): number {
  const available = typeof process.availableMemory === 'function' ? process.availableMemory() : os.freemem();
  return available > 0 ? available : os.freemem();
}

/**
 * Restyles `request.content` with `request.style` on this machine's CPU; see the core transfer for details.
 * Runs that would need more memory than is available are refused up front (override with memoryLimitBytes).
 */
export async function transfer(request: TransferRequest & { device?: Device; weightsStore?: WeightsStore }, hooks?: TransferHooks): Promise<TransferResult> {
  const { device, weightsStore, ...rest } = request;
  const runtime = nodeRuntime(request.threads ?? 0, device, { weightsStore });
  const result = await coreTransfer(runtime, { memoryLimitBytes: availableMemoryBytes(), ...rest }, hooks);
  return { ...result, warnings: [...(runtime.notes ?? []), ...result.warnings] };
}
