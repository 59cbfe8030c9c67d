import type * as ortCommon from 'onnxruntime-common';
import { ResourceError } from '../errors.js';

/**
 * The part of onnxruntime the core uses. onnxruntime-node and onnxruntime-web both provide it, so the core never
 * imports either: the Node entry point passes onnxruntime-node, the web worker passes onnxruntime-web.
 */
export type OrtApi = Pick<typeof ortCommon, 'InferenceSession' | 'Tensor'>;

/** An onnxruntime session. */
export type Session = ortCommon.InferenceSession;

/** An onnxruntime tensor. */
export type OrtTensor = ortCommon.Tensor;

/** Where the graphs run: the onnxruntime module and its settings. */
export interface Runtime {
  /** onnxruntime-node or onnxruntime-web. */
  ort: OrtApi;
  /** Execution providers in order of preference, e.g. ['cpu'] or ['webgpu', 'wasm']. */
  executionProviders: string[];
  /** Intra-op threads; 0 lets onnxruntime choose. */
  threads: number;
  /** When a session cannot be created with the preferred providers (e.g. no GPU adapter), fall back to the CPU. */
  fallbackToCpu?: boolean;
  /** What happened that the user should know (a fallback), appended by createSession. */
  notes?: string[];
}

/**
 * Creates a session for serialised model bytes with the runtime's settings; `memoryArena: false` frees each run's
 * intermediate tensors when it ends instead of keeping them for the next run. With fallbackToCpu, a failure of the
 * preferred providers switches this runtime to the CPU for good (and says so in runtime.notes).
 */
export async function createSession(runtime: Runtime, model: Uint8Array, options: { memoryArena?: boolean } = {}): Promise<Session> {
  const create = (executionProviders: string[]): Promise<Session> =>
    runtime.ort.InferenceSession.create(model, {
      executionProviders,
      intraOpNumThreads: runtime.threads,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      enableCpuMemArena: options.memoryArena ?? true,
    });
  try {
    return await create(runtime.executionProviders);
  } catch (err) {
    if (runtime.executionProviders.every((p) => p === 'cpu')) throw err;
    // onnxruntime's message ends with the reason after a source location: keep the reason.
    const parts = (err instanceof Error ? err.message : String(err)).split(/[:\n]/).map((p) => p.trim()).filter(Boolean);
    const reason = parts[parts.length - 1] ?? 'unknown error';
    const providers = runtime.executionProviders.join('/');
    if (!runtime.fallbackToCpu) throw new ResourceError(`${providers} unavailable (${reason}); use --device cpu or auto`);
    (runtime.notes ??= []).push(`${providers} unavailable (${reason}): running on the CPU`);
    runtime.executionProviders = ['cpu'];
    return create(runtime.executionProviders);
  }
}

/** Wraps a Float32Array as a float32 tensor without copying it. */
export function floatTensor(runtime: Runtime, data: Float32Array, dims: readonly number[]): OrtTensor {
  return new runtime.ort.Tensor('float32', data, dims);
}

/** An int64 tensor of small integers (sizes fed to a graph). */
export function int64Tensor(runtime: Runtime, values: number[], dims: readonly number[]): OrtTensor {
  return new runtime.ort.Tensor('int64', BigInt64Array.from(values.map((v) => BigInt(v))), dims);
}

/** Reads a scalar float output. */
export function scalarOf(tensor: OrtTensor | undefined): number {
  if (!tensor) throw new Error('missing scalar output');
  return Number((tensor.data as Float32Array)[0]);
}
