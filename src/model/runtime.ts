import type * as ortCommon from 'onnxruntime-common';

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
}

/** Creates a session for serialised model bytes with the runtime's settings. */
export async function createSession(runtime: Runtime, model: Uint8Array): Promise<Session> {
  return runtime.ort.InferenceSession.create(model, {
    executionProviders: runtime.executionProviders,
    intraOpNumThreads: runtime.threads,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
}

/** Wraps a Float32Array as a float32 tensor without copying it. */
export function floatTensor(runtime: Runtime, data: Float32Array, dims: readonly number[]): OrtTensor {
  return new runtime.ort.Tensor('float32', data, dims);
}

/** Reads a scalar float output. */
export function scalarOf(tensor: OrtTensor | undefined): number {
  if (!tensor) throw new Error('missing scalar output');
  return Number((tensor.data as Float32Array)[0]);
}
