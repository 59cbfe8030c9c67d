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

/** onnxruntime-node on the CPU with `threads` intra-op threads (0: one per core). */
export function nodeRuntime(threads = 0): Runtime {
  return { ort, executionProviders: ['cpu'], threads: threads > 0 ? threads : os.availableParallelism() };
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
export function transfer(request: TransferRequest, hooks?: TransferHooks): Promise<TransferResult> {
  return coreTransfer(nodeRuntime(request.threads ?? 0), { memoryLimitBytes: availableMemoryBytes(), ...request }, hooks);
}
