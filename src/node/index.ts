/**
 * The library for Node: the core pipeline bound to onnxruntime-node (CPU), plus file helpers.
 * Browser code imports the core (src/index.ts) and passes onnxruntime-web instead.
 */
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import type { Runtime } from '../model/runtime.js';
import { transfer as coreTransfer, type TransferHooks, type TransferRequest, type TransferResult } from '../pipeline/transfer.js';

export * from '../index.js';
export { readInputFile, writeFileAtomic, checkWritable, removePendingTempFiles } from './files.js';
export { encodePng } from './png.js';

/** Where the graphs run: the CPU, onnxruntime-node's bundled WebGPU backend, or WebGPU when there is an adapter. */
export type Device = 'cpu' | 'webgpu' | 'auto';

/** The devices, for validation and help. */
export const DEVICES: readonly Device[] = ['cpu', 'webgpu', 'auto'];

/**
 * onnxruntime-node with `threads` intra-op threads (0: one per core) on `device`: 'cpu'; 'webgpu' (an error if the
 * machine has no WebGPU adapter); or 'auto', WebGPU with a fall-back to the CPU and a note in runtime.notes.
 */
export function nodeRuntime(threads = 0, device: Device = 'cpu'): Runtime {
  return {
    ort,
    executionProviders: device === 'cpu' ? ['cpu'] : ['webgpu'],
    threads: threads > 0 ? threads : os.availableParallelism(),
    fallbackToCpu: device === 'auto',
    // WebGPU copies every input to the GPU on every run: the weights (up to 571 MB) are copied there once instead.
    residentInputs: device !== 'cpu',
    notes: [],
  };
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
export async function transfer(request: TransferRequest & { device?: Device }, hooks?: TransferHooks): Promise<TransferResult> {
  const { device, ...rest } = request;
  const runtime = nodeRuntime(request.threads ?? 0, device);
  const result = await coreTransfer(runtime, { memoryLimitBytes: availableMemoryBytes(), ...rest }, hooks);
  return { ...result, warnings: [...(runtime.notes ?? []), ...result.warnings] };
}
