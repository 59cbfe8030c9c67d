import { Random } from '../dsp/random.js';
import type { NetShape } from './graphs.js';

/** The standard deviation of the random filters, sqrt(2) * sqrt(2 / ((C + N) K)) as in Ulyanov & Lebedev's net. */
export function weightStd(shape: NetShape): number {
  return Math.SQRT2 * Math.sqrt(2 / ((shape.bins + shape.filters) * shape.kernel));
}

/** Random conv weights N x C x K, drawn from Normal(0, weightStd) with a seeded generator. */
export function randomWeights(shape: NetShape, seed: number): Float32Array {
  const w = new Float32Array(shape.filters * shape.bins * shape.kernel);
  return new Random(seed).fillNormal(w, weightStd(shape));
}

/**
 * The same weights as randomWeights, `groupFilters` filters at a time: views of `drawn` when the whole array exists,
 * else drawn group by group into one reused buffer (the generator's sequence does not depend on how it is cut), for
 * nets that never need them all at once. Each group is valid until the next one is drawn.
 */
export function* randomWeightGroups(
  shape: NetShape,
  seed: number,
  groupFilters: number,
  drawn: Float32Array | null = null,
): Generator<{ first: number; count: number; weights: Float32Array }> {
  const { filters: N, bins: C, kernel: K } = shape;
  const groups = (function* () {
    for (let first = 0; first < N; first += groupFilters) yield { first, count: Math.min(groupFilters, N - first) };
  })();
  if (drawn) {
    for (const { first, count } of groups) yield { first, count, weights: drawn.subarray(first * C * K, (first + count) * C * K) };
    return;
  }
  const rng = new Random(seed);
  const std = weightStd(shape);
  const buffer = new Float32Array(Math.min(groupFilters, N) * C * K);
  for (const { first, count } of groups) {
    const weights = buffer.subarray(0, count * C * K);
    rng.fillNormal(weights, std);
    yield { first, count, weights };
  }
}

/**
 * Draws `count` normal variates of standard deviation `std` from a generator at `state` (Random.snapshot) somewhere
 * else, another thread: what `Random.fromState(state).fillNormal(new Float32Array(count), std)` returns.
 */
export type NormalsRunner = (state: Int32Array, count: number, std: number) => Promise<Float32Array>;

/** A NormalsRunner and how many draws it runs at once. */
export interface NormalsDrawer {
  /** Runs one draw. */
  draw: NormalsRunner;
  /** Draws it runs at the same time (its threads). */
  threads: number;
}

/**
 * Keeps nets' weights between runs, in the form a net computes with (Runtime.weightsStore). Drawing the 46M weights of
 * the default net and taking their DFT is most of a short run's set-up; reading them back is a copy. The CLI's store
 * is a disk cache (src/node/weights-store.ts). A store gives back exactly the floats it was given, or nothing.
 */
export interface WeightsStore {
  /** The floats saved under `key` if there are exactly `length` of them, else null; never throws. */
  load(key: string, length: number): Promise<Float32Array | null>;
  /**
   * Saves `data` under `key` at best effort, perhaps after returning (the disk cache writes while the run goes on), so
   * `data` must stay as it is, as a net's weights do. Never throws: a failure only means a later run computes them.
   */
  save(key: string, data: Float32Array): void;
}

/** FNV-1a (32-bit) of a float array's bytes, as 8 hex digits: a fingerprint of computed weights for a store's keys. */
export function floatsFingerprint(data: Float32Array): string {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** How often a wait for drawn weights calls its checkCancel: a Ctrl-C need not wait for a stretch to end. */
const CANCEL_POLL_MS = 50;

/** `promise`, calling `checkCancel` every CANCEL_POLL_MS while it is pending and failing with what that throws. */
async function pollingCancel<T>(promise: Promise<T>, checkCancel?: () => void): Promise<T> {
  if (!checkCancel) return promise;
  let timer: ReturnType<typeof setInterval> | undefined;
  const cancelled = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      try {
        checkCancel();
      } catch (err) {
        reject(err);
      }
    }, CANCEL_POLL_MS);
  });
  try {
    return await Promise.race([promise, cancelled]);
  } finally {
    clearInterval(timer);
  }
}

/**
 * randomWeightGroups drawn by `drawer`, up to `ahead` groups at once, each from the generator skipped to its start:
 * the same groups, in order, each valid until the next is asked for. Falls back to drawing here when a group before
 * the last holds an odd count of weights (a stretch must end on a whole Box-Muller pair). `checkCancel` is called
 * while a group is awaited and may throw to stop.
 */
export async function* randomWeightGroupsDrawn(
  shape: NetShape,
  seed: number,
  groupFilters: number,
  drawer: NormalsDrawer,
  ahead = drawer.threads,
  checkCancel?: () => void,
): AsyncGenerator<{ first: number; count: number; weights: Float32Array }> {
  const { filters: N, bins: C, kernel: K } = shape;
  if (groupFilters < N && (groupFilters * C * K) % 2 !== 0) {
    yield* randomWeightGroups(shape, seed, groupFilters);
    return;
  }
  const rng = new Random(seed);
  const std = weightStd(shape);
  const pending: { first: number; count: number; weights: Promise<Float32Array> }[] = [];
  let next = 0;
  const dispatch = (): void => {
    const count = Math.min(groupFilters, N - next);
    const normals = count * C * K;
    pending.push({ first: next, count, weights: drawer.draw(rng.snapshot(), normals, std) });
    next += count;
    if (next < N) rng.skipNormals(normals);
  };
  try {
    while (next < N && pending.length < Math.max(1, ahead)) dispatch();
    while (pending.length > 0) {
      const group = pending.shift() as (typeof pending)[number];
      if (next < N) dispatch();
      yield { first: group.first, count: group.count, weights: await pollingCancel(group.weights, checkCancel) };
    }
  } finally {
    // Stopped early (a cancel): the draws in flight end on their own; their results are dropped.
    for (const group of pending) group.weights.catch(() => {});
  }
}

/**
 * randomWeights drawn by `drawer`, `drawer.threads` stretches at once (four a thread, so that each is short): the same
 * array. `checkCancel` is called while they are awaited and may throw to stop.
 */
export async function randomWeightsDrawn(shape: NetShape, seed: number, drawer: NormalsDrawer, checkCancel?: () => void): Promise<Float32Array> {
  const { filters: N, bins: C, kernel: K } = shape;
  const out = new Float32Array(N * C * K);
  // Stretches of whole filters, an even count of weights each but the last.
  const even = (C * K) % 2 === 0 ? 1 : 2;
  const groupFilters = Math.max(even, Math.ceil(N / (4 * drawer.threads) / even) * even);
  for await (const { first, weights } of randomWeightGroupsDrawn(shape, seed, groupFilters, drawer, drawer.threads, checkCancel)) {
    out.set(weights, first * C * K);
  }
  return out;
}

/** The weights of the input-gradient convolution: transposed (C x N x K) and flipped in time, Wf[c,n,j] = W[n,c,K-1-j]. */
export function flipTransposeWeights(weights: Float32Array, shape: NetShape): Float32Array {
  const { filters: N, bins: C, kernel: K } = shape;
  const out = new Float32Array(weights.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const src = (n * C + c) * K;
      const dst = (c * N + n) * K + K - 1;
      for (let k = 0; k < K; k++) out[dst - k] = weights[src + k];
    }
  }
  return out;
}
