import type * as ortCommon from 'onnxruntime-common';
import { ResourceError } from '../errors.js';
import { GraphBuilder } from './onnx-graph.js';
import { isGpuProvider } from './providers.js';
import type { GriffinLimRunner } from '../dsp/griffin-lim.js';
import type { NormalsDrawer, WeightsStore } from './weights.js';

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
  /**
   * Copy the inputs that stay the same from run to run (a net's weights, the style's statistics) to the device once
   * (residentTensor) and feed that copy, as onnxruntime's 'gpu-buffer' tensors: WebGPU otherwise copies every input
   * to the GPU on every run (on an H200, a 10 s clip's evaluation took 233 ms so, and 22 ms with the copies kept;
   * docs/benchmarks.md, "On a GPU"). onnxruntime-node's CPU backend reads inputs where they lie and needs none. Turned off if refused.
   */
  residentInputs?: boolean;
  /**
   * onnxruntime writes a run's outputs into tensors given for them (`fetches`) instead of allocating each afresh:
   * onnxruntime-node does on the CPU (it still returns a copy). A long clip's N x N Gram sums, one per 512-frame chunk
   * (67 MB at 4096 filters), then reuse one buffer (writesOutputsInPlace). onnxruntime-web's WebAssembly backend copies
   * such a tensor into its heap and does not copy the result back, so the web runtime leaves this off.
   */
  outputsInPlace?: boolean;
  /**
   * The most onnxruntime's own memory can hold, in bytes, where that is less than the machine's: onnxruntime-web's
   * WebAssembly heap stops at 4 GiB. Runs estimated to need more are refused before they start.
   */
  heapLimitBytes?: number;
  /**
   * Where Griffin-Lim runs: the Node entry point's splits it over worker threads (same result to the bit); absent, on
   * the calling thread.
   */
  griffinLim?: GriffinLimRunner;
  /**
   * Where the nets' random weights are drawn: the Node entry point's draws them on worker threads on machines with 4
   * cores or more (the same values); absent, on the calling thread.
   */
  normals?: NormalsDrawer;
  /**
   * Where nets keep their weights between runs (StyleNet.prepare): the CLI's disk cache, the web worker's memory of
   * the last run. Absent, every run draws them (and takes their DFT) again.
   */
  weightsStore?: WeightsStore;
  /**
   * Awaited between the groups and chunks of the long passes (a net's weights, a long clip's or style's chunks, each
   * held-out net), where it may throw to stop them. The web worker's yields to its event loop, where it reads a Cancel
   * (onnxruntime-web's runs never leave the microtask queue), and throws a CancelledError once its run is cancelled.
   * Absent, the passes run through; onnxruntime-node's runs are asynchronous anyway.
   */
  pause?: () => Promise<void>;
  /**
   * Bytes the runtime's own worker threads take besides the run's arrays (each has a JavaScript heap and its code:
   * Griffin-Lim's threads in Node), added to a run's memory estimate.
   */
  threadBytes?: number;
  /**
   * A full garbage collection, where the platform offers one (Node). The pipeline calls it where a long clip's large
   * arrays have just been let go and Griffin-Lim's are about to be made, so that the process's peak does not hold both.
   * Absent, the collector runs when it will.
   */
  collectGarbage?: () => void;
}

/**
 * Whether the runtime computes on a GPU: its preferred execution provider is neither the CPU nor WebAssembly (and
 * stays so until a failed session falls back to the CPU). There the graphs' intermediates live in the device's memory,
 * and every input and output crosses to it.
 */
export function computesOnGpu(runtime: Runtime): boolean {
  const first = runtime.executionProviders[0];
  return first !== undefined && isGpuProvider(first);
}

/** Whether runs write outputs into tensors given for them: Runtime.outputsInPlace, and computing on the CPU. */
export function writesOutputsInPlace(runtime: Runtime): boolean {
  return runtime.outputsInPlace === true && !computesOnGpu(runtime);
}

/**
 * Creates a session for serialised model bytes with the runtime's settings; `memoryArena: false` frees each run's
 * intermediate tensors when it ends instead of keeping them for the next run; `outputsOnDevice` leaves the outputs on
 * the device (WebGPU), for feeding other runs. With fallbackToCpu, a failure of the preferred providers switches this
 * runtime to the CPU for good (and says so in runtime.notes).
 */
export async function createSession(
  runtime: Runtime,
  model: Uint8Array,
  options: { memoryArena?: boolean; outputsOnDevice?: boolean } = {},
): Promise<Session> {
  const create = (executionProviders: string[]): Promise<Session> =>
    runtime.ort.InferenceSession.create(model, {
      executionProviders,
      intraOpNumThreads: runtime.threads,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      enableCpuMemArena: options.memoryArena ?? true,
      ...(options.outputsOnDevice ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
    });
  try {
    return outOfMemoryAsResourceError(await create(runtime.executionProviders));
  } catch (err) {
    if (runtime.executionProviders.every((p) => p === 'cpu')) throw err;
    // onnxruntime's message ends with the reason after a source location: keep the reason.
    const parts = (err instanceof Error ? err.message : String(err)).split(/[:\n]/).map((p) => p.trim()).filter(Boolean);
    const reason = parts[parts.length - 1] ?? 'unknown error';
    const providers = runtime.executionProviders.join('/');
    if (!runtime.fallbackToCpu) throw new ResourceError(`${providers} unavailable (${reason}); use --device cpu or auto`);
    (runtime.notes ??= []).push(`${providers} unavailable (${reason}): running on the CPU`);
    runtime.executionProviders = ['cpu'];
    runtime.residentInputs = false; // the CPU reads inputs where they lie
    return outOfMemoryAsResourceError(await create(runtime.executionProviders));
  }
}

/**
 * The same feeds, the largest tensor first. onnxruntime-web copies a run's inputs into its WebAssembly heap in the
 * order given, and frees them after the run: given first, a net's weights (545 MB at the defaults) take the space their
 * copy left in the last run. Given after smaller inputs, which split that space, they made the heap grow by most of
 * another copy: the bundled example's default run (three rounds) peaked at 1100 MiB against 652 for one round, and
 * 2189 against 1197 at 8192 filters; now 651 and 1196. onnxruntime-node reads inputs in place.
 */
function largestFirst(feeds: Record<string, OrtTensor>): Record<string, OrtTensor> {
  const bytes = (t: OrtTensor): number => (t.location === 'cpu' ? (t.data as ArrayBufferView).byteLength : 0);
  return Object.fromEntries(Object.entries(feeds).sort(([, a], [, b]) => bytes(b) - bytes(a)));
}

/**
 * Whether an error thrown by onnxruntime means it ran out of memory: onnxruntime-web's WebAssembly heap cannot grow
 * past 4 GiB, and a copy past its end fails as "offset is out of bounds" (Chromium) or "Invalid typed array length"
 * (Node); native builds say bad_alloc or "Failed to allocate".
 */
export function isOutOfMemory(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof RangeError && /out of bounds|typed array length|allocation failed|memory/i.test(err.message)) return true;
  return /out of memory|bad_alloc|failed to allocate|maximum memory size/i.test(err.message);
}

/**
 * Makes the session's runs report running out of memory as a ResourceError that says what to change: the estimate
 * before a run catches most such runs (Runtime.heapLimitBytes), not all. Only errors from onnxruntime's own run are
 * read so, so that a RangeError of ours is never taken for a lack of memory.
 */
function outOfMemoryAsResourceError(session: Session): Session {
  const run = session.run.bind(session) as (...args: unknown[]) => ReturnType<Session['run']>;
  session.run = (async (feeds: Record<string, OrtTensor>, ...rest: unknown[]) => {
    try {
      return await run(largestFirst(feeds), ...rest);
    } catch (err) {
      if (!isOutOfMemory(err)) throw err;
      const cause = (err as Error).message.split('\n')[0];
      throw new ResourceError(`onnxruntime ran out of memory (${cause}): use fewer --filters, a smaller --n-fft or a lower --sr`);
    }
  }) as Session['run'];
  return session;
}

/**
 * Per onnxruntime module, by providers and rank, the sessions that copy a tensor to the device (an Identity whose
 * output stays there). Kept for the module's lifetime, not per run: onnxruntime-web frees a session only on release
 * (a web worker makes a runtime per run), and a live session keeps onnxruntime's WebGPU context, which owns the
 * copies' buffers, from being torn down while copies are in use.
 */
const uploaders = new WeakMap<object, Map<string, Promise<Session>>>();

/**
 * The device's copy of `tensor`, made once, for feeding many runs (runtime.residentInputs); the tensor itself when
 * the runtime reads inputs in place, or when the backend refuses (which turns residentInputs off, with a note).
 * Dispose the copy when done with it, before releasing the sessions that use it (disposeResident).
 */
export async function residentTensor(runtime: Runtime, tensor: OrtTensor): Promise<OrtTensor> {
  if (!runtime.residentInputs || tensor.location !== 'cpu') return tensor;
  const rank = tensor.dims.length;
  const key = `${runtime.executionProviders.join('/')} ${rank}`;
  let byKey = uploaders.get(runtime.ort);
  if (!byKey) uploaders.set(runtime.ort, (byKey = new Map()));
  try {
    let session = byKey.get(key);
    if (!session) {
      const g = new GraphBuilder('upload');
      const dims = Array.from({ length: rank }, (_, i) => `d${i}`);
      g.op('Identity', [g.input('x', dims)], {}, g.output('y', dims));
      session = createSession(runtime, g.toBytes(), { outputsOnDevice: true });
      byKey.set(key, session);
    }
    const out = (await (await session).run({ x: tensor })).y;
    if (out.location === 'cpu') return tensor; // the backend keeps nothing on a device (e.g. it fell back to the CPU)
    return out;
  } catch (err) {
    runtime.residentInputs = false;
    (runtime.notes ??= []).push(`inputs cannot be kept on the device (${err instanceof Error ? err.message : String(err)}): copied every run`);
    return tensor;
  }
}

/** Per onnxruntime module, by providers and rank, the sessions that copy a device tensor back (an Identity to the CPU). */
const downloaders = new WeakMap<object, Map<string, Promise<Session>>>();

/**
 * A copy on the CPU of a tensor that a session left on the device (createSession's `outputsOnDevice`); the tensor
 * itself when it is on the CPU already. It goes through a session rather than the tensor's own getData(), which
 * aborts the process in onnxruntime-node 1.30's WebGPU backend.
 */
export async function hostTensor(runtime: Runtime, tensor: OrtTensor): Promise<OrtTensor> {
  if (tensor.location === 'cpu') return tensor;
  const rank = tensor.dims.length;
  const key = `${runtime.executionProviders.join('/')} ${rank}`;
  let byKey = downloaders.get(runtime.ort);
  if (!byKey) downloaders.set(runtime.ort, (byKey = new Map()));
  let session = byKey.get(key);
  if (!session) {
    const g = new GraphBuilder('download');
    const dims = Array.from({ length: rank }, (_, i) => `d${i}`);
    g.op('Identity', [g.input('x', dims)], {}, g.output('y', dims));
    session = createSession(runtime, g.toBytes());
    byKey.set(key, session);
  }
  return (await (await session).run({ x: tensor })).y;
}

/** Frees device copies made by residentTensor (CPU tensors are left to the garbage collector). */
export function disposeResident(tensors: Iterable<OrtTensor>): void {
  for (const t of tensors) if (t.location !== 'cpu') t.dispose();
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
