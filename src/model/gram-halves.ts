/**
 * A Gram matrix summed by halves (GRAM_HALVES, graphs.ts), and what is read from it. F F^T is symmetric, so a chunk's
 * graph computes its three distinct blocks (three quarters of the products). On a runtime that writes outputs into
 * given tensors the graph adds each block to its sum so far, two sets of the blocks taking turns (GramHalvesSums;
 * lifecycle: new -> reset -> (feeds, fetches, run, advance) per chunk -> blocks); elsewhere each chunk's blocks are
 * added into a float64 N x N sum at their places (addHalvesInto, then completeFromHalves).
 */
import { GRAM_HALVES, gramHalf, gramHalvesSizes } from './graphs.js';
import { floatTensor, type OrtTensor, type Runtime } from './runtime.js';

/** The three blocks' sums of a chunked Gram pass, in two sets that take turns (0.75 N^2 floats each). */
export class GramHalvesSums {
  private soFar: OrtTensor[];
  private next: OrtTensor[];

  /** Allocates both sets for a net of `filters` filters (at 4096, 100 MB in all, against 134 MB for two N x N sums). */
  constructor(runtime: Runtime, filters: number) {
    const set = (): OrtTensor[] => gramHalvesSizes(filters).map(([rows, columns]) => floatTensor(runtime, new Float32Array(rows * columns), [rows, columns]));
    this.soFar = set();
    this.next = set();
  }

  /** Starts a new sum: the sums so far are zeroed. */
  reset(): void {
    for (const block of this.soFar) (block.data as Float32Array).fill(0);
  }

  /** The next run's inputs: the sums so far. */
  feeds(): Record<string, OrtTensor> {
    return Object.fromEntries(GRAM_HALVES.map((io, k) => [io.soFar, this.soFar[k]]));
  }

  /** The next run's outputs, written in place: the next sums. */
  fetches(): Record<string, OrtTensor> {
    return Object.fromEntries(GRAM_HALVES.map((io, k) => [io.sum, this.next[k]]));
  }

  /** After a run: its outputs are the sums so far. */
  advance(): void {
    [this.soFar, this.next] = [this.next, this.soFar];
  }

  /** The sums so far, as the blocks' data (top-left, top-right, bottom-right). */
  blocks(): Float32Array[] {
    return this.soFar.map((block) => block.data as Float32Array);
  }
}

/**
 * Walks the N x N Gram given by its three distinct blocks in runs along its rows: `run(at, block, from, count, stride)`
 * says that the `count` entries from row-major index `at` on are block[from + j * stride], j = 0, 1, ... The top rows'
 * blocks and the bottom-right one go row by row (stride 1); the bottom-left block is the top-right one's transpose, read
 * in tiles of 64 of its columns, whose cache lines serve 16 rows in turn.
 */
function forEachRun(
  blocks: readonly Float32Array[],
  filters: number,
  run: (at: number, block: Float32Array, from: number, count: number, stride: number) => void,
): void {
  const [topLeft, topRight, bottomRight] = blocks;
  const N = filters;
  const H = gramHalf(N);
  const W = N - H;
  for (let i = 0; i < H; i++) {
    run(i * N, topLeft, i * H, H, 1);
    run(i * N + H, topRight, i * W, W, 1);
  }
  for (let i = 0; i < W; i++) run((H + i) * N + H, bottomRight, i * W, W, 1);
  // Bottom-left: row H + i, column j is the top-right block's row j, column i. Short runs down its columns, by tiles.
  const tile = 64;
  for (let j0 = 0; j0 < H; j0 += tile) {
    const count = Math.min(tile, H - j0);
    for (let i = 0; i < W; i++) run((H + i) * N + j0, topRight, j0 * W + i, count, W);
  }
}

/**
 * D = G / T' - A (N x N, row-major, written into `D`) and ||D||^2 in float64, for a Gram G given by its three distinct
 * blocks: the chunked objective's first pass.
 */
export function differenceFromHalves(blocks: readonly Float32Array[], filters: number, Tf: number, A: Float32Array, D: Float32Array): number {
  let loss = 0;
  forEachRun(blocks, filters, (at, block, from, count, stride) => {
    let sum = 0;
    for (let j = 0; j < count; j++) {
      const d = block[from + j * stride] / Tf - A[at + j];
      D[at + j] = d;
      sum += d * d;
    }
    loss += sum;
  });
  return loss;
}

/** Writes the N x N Gram given by its three distinct blocks into `total` (row-major). */
export function gramFromHalves(blocks: readonly Float32Array[], filters: number, total: Float64Array): Float64Array {
  forEachRun(blocks, filters, (at, block, from, count, stride) => {
    for (let j = 0; j < count; j++) total[at + j] = block[from + j * stride];
  });
  return total;
}

/**
 * Adds a chunk's three Gram blocks (the GRAM_HALVES outputs of a run of a graph without sums so far) into an N x N
 * float64 sum, each at its place; the bottom-left block is left for completeFromHalves once every chunk is in.
 */
export function addHalvesInto(outputs: Record<string, OrtTensor>, filters: number, total: Float64Array): void {
  const [topLeft, topRight, bottomRight] = GRAM_HALVES.map((block) => outputs[block.sum].data as Float32Array);
  const N = filters;
  const H = gramHalf(N);
  const W = N - H;
  for (let i = 0; i < H; i++) {
    for (let j = 0, at = i * N, from = i * H; j < H; j++) total[at + j] += topLeft[from + j];
    for (let j = 0, at = i * N + H, from = i * W; j < W; j++) total[at + j] += topRight[from + j];
  }
  for (let i = 0; i < W; i++) {
    for (let j = 0, at = (H + i) * N + H, from = i * W; j < W; j++) total[at + j] += bottomRight[from + j];
  }
}

/** Fills the bottom-left block of an N x N sum made by addHalvesInto with the transpose of its top-right one. */
export function completeFromHalves(total: Float64Array, filters: number): Float64Array {
  const N = filters;
  const H = gramHalf(N);
  const tile = 64;
  for (let j0 = 0; j0 < H; j0 += tile) {
    const end = Math.min(j0 + tile, H);
    for (let i = H; i < N; i++) {
      for (let j = j0; j < end; j++) total[i * N + j] = total[j * N + i];
    }
  }
  return total;
}
