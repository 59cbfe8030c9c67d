/**
 * The net's convolution in the frequency domain of the time axis (overlap-save): the spectrogram is cut into blocks of
 * L frames that overlap by K-1, each block's L-point real DFT is multiplied bin by bin with the DFT of the kernels, and
 * the inverse DFT keeps the S = L-K+1 outputs that did not wrap around. Per DFT bin the product is one matrix product
 * over the C input bins, so the work becomes 4 real (2N x C) x (C x B) products for each of the P = L/2+1 bins, i.e.
 * 4P/S multiply-adds per output frame instead of K: 3.6x fewer at K = 11, L = 32. The DFTs themselves are small
 * matrix products (L x 2P). This file holds the pure block arithmetic; graphs.ts builds the graph fragments.
 */

/** How a convolution of width `kernel` is cut into DFT blocks. */
export interface BlockPlan {
  /** Kernel width K. */
  kernel: number;
  /** Block length L (even). */
  length: number;
  /** Valid outputs per block, S = L - K + 1; consecutive blocks start S frames apart. */
  hop: number;
  /** DFT bins of a real block, P = L/2 + 1. */
  points: number;
}

/** The block arithmetic for a kernel width and an even block length greater than the kernel. */
export function blockPlan(kernel: number, length: number): BlockPlan {
  if (!Number.isInteger(length) || length % 2 !== 0 || length <= kernel) {
    throw new RangeError(`block length must be an even integer above the kernel width ${kernel}, got ${length}`);
  }
  return { kernel, length, hop: length - kernel + 1, points: length / 2 + 1 };
}

/** Multiply-adds of the direct convolution per multiply-add of the block form (before the DFTs' small cost). */
export function blockSaving(plan: BlockPlan): number {
  return (plan.kernel * plan.hop) / (4 * plan.points);
}

/** Below this saving in multiply-adds the block form is not faster: its products run at ~60-70% of Conv's rate here. */
const MIN_SAVING = 2.5;

/**
 * The block plan for a kernel width, or null where the direct convolution is as fast. L is the smallest power of two
 * of at least 2K: longer blocks save a little more work but their weights grow as L (2P x N x C floats: 571 MB at
 * 4096 filters, L = 32) and their products get thinner. Measured at K = 11, 10 s: two products of 83 + 107 ms
 * against two Convs of 2 x 208 ms (bench/run.ts --conv).
 */
export function chooseBlockPlan(kernel: number): BlockPlan | null {
  let length = 8;
  while (length < 2 * kernel) length *= 2;
  const plan = blockPlan(kernel, length);
  return blockSaving(plan) >= MIN_SAVING ? plan : null;
}

/** Blocks needed for `featureFrames` conv outputs. */
export function blockCount(plan: BlockPlan, featureFrames: number): number {
  return Math.ceil(featureFrames / plan.hop);
}

/**
 * Cuts frames [start, start + frames) of each row of a rows x rowLength array into blocks: rows x B x L, block b holding
 * frames start + bS ... start + bS + L - 1, zero past the end. B covers the frames - K + 1 conv outputs.
 */
export function frameBlocks(plan: BlockPlan, src: Float32Array, rows: number, rowLength: number, start: number, frames: number): Float32Array {
  const { length: L, hop: S, kernel: K } = plan;
  const B = blockCount(plan, frames - K + 1);
  const out = new Float32Array(rows * B * L);
  for (let r = 0; r < rows; r++) {
    const row = src.subarray(r * rowLength + start, r * rowLength + start + frames);
    for (let b = 0; b < B; b++) {
      const from = b * S;
      out.set(row.subarray(from, Math.min(from + L, frames)), (r * B + b) * L);
    }
  }
  return out;
}

/** The adjoint of frameBlocks: adds each block's values back onto the frames it was cut from (dst rows x rowLength). */
export function overlapAddBlocks(
  plan: BlockPlan,
  blocks: Float32Array,
  rows: number,
  dst: Float32Array,
  rowLength: number,
  start: number,
  frames: number,
): void {
  const { length: L, hop: S, kernel: K } = plan;
  const B = blockCount(plan, frames - K + 1);
  if (blocks.length !== rows * B * L) throw new RangeError('overlapAddBlocks: blocks have the wrong size');
  for (let r = 0; r < rows; r++) {
    const base = r * rowLength + start;
    for (let b = 0; b < B; b++) {
      const src = (r * B + b) * L;
      const end = Math.min(L, frames - b * S);
      const to = base + b * S;
      for (let j = 0; j < end; j++) dst[to + j] += blocks[src + j];
    }
  }
}

/**
 * Conv outputs in the block form's column order: rows x (S B), column j B + b holding output frame b S + j (zero past
 * the last real one), taken from frames [srcStart, srcStart + featureFrames) of a rows x srcRowLength array.
 */
export function toBlockColumns(
  plan: BlockPlan,
  src: Float32Array,
  rows: number,
  featureFrames: number,
  srcRowLength = featureFrames,
  srcStart = 0,
): Float32Array {
  const { hop: S } = plan;
  const B = blockCount(plan, featureFrames);
  const out = new Float32Array(rows * S * B);
  for (let r = 0; r < rows; r++) {
    const from = r * srcRowLength + srcStart;
    const to = r * S * B;
    for (let t = 0; t < featureFrames; t++) out[to + (t % S) * B + Math.floor(t / S)] = src[from + t];
  }
  return out;
}

/** 1 at the block form's columns that are real conv outputs (frame < featureFrames), 0 at the padding: 1 x (S B). */
export function validOutputMask(plan: BlockPlan, featureFrames: number): Float32Array {
  return toBlockColumns(plan, new Float32Array(featureFrames).fill(1), 1, featureFrames);
}

/** The real DFT of a block as a matrix, L x 2P: column c*P + p is cos (c = 0) or -sin (c = 1) of 2 pi p j / L. */
export function blockDftMatrix(plan: BlockPlan): Float32Array {
  const { length: L, points: P } = plan;
  const m = new Float32Array(L * 2 * P);
  for (let j = 0; j < L; j++) {
    for (let p = 0; p < P; p++) {
      const angle = (2 * Math.PI * ((p * j) % L)) / L;
      m[j * 2 * P + p] = Math.cos(angle);
      m[j * 2 * P + P + p] = -Math.sin(angle);
    }
  }
  return m;
}

/**
 * The kernels' conjugate DFT as a matrix, K x 2P: column 2p + a is cos (a = 0) or +sin (a = 1) of 2 pi p m / L. The
 * conjugate turns the DFT's circular convolution into the net's cross-correlation, y[j] = sum_m w[m] x[j + m].
 */
export function kernelDftMatrix(plan: BlockPlan): Float32Array {
  const { length: L, points: P, kernel: K } = plan;
  const m = new Float32Array(K * 2 * P);
  for (let k = 0; k < K; k++) {
    for (let p = 0; p < P; p++) {
      const angle = (2 * Math.PI * ((p * k) % L)) / L;
      m[k * 2 * P + 2 * p] = Math.cos(angle);
      m[k * 2 * P + 2 * p + 1] = Math.sin(angle);
    }
  }
  return m;
}

/**
 * From the four real products per DFT bin to the S valid outputs of a block, 4P x S. Row 4p + 2a + c takes the
 * product of the kernels' part a (0 real, 1 imaginary) with the block's part c at bin p; the complex product's real
 * part Wr Xr - Wi Xi and imaginary part Wr Xi + Wi Xr go through the inverse real DFT, whose bins between 0 and L/2
 * count twice (they stand for their conjugate twins too).
 */
export function blockInverseMatrix(plan: BlockPlan): Float32Array {
  const { length: L, points: P, hop: S } = plan;
  const m = new Float32Array(4 * P * S);
  for (let p = 0; p < P; p++) {
    const weight = (p === 0 || 2 * p === L ? 1 : 2) / L;
    for (let j = 0; j < S; j++) {
      const angle = (2 * Math.PI * ((p * j) % L)) / L;
      const c = weight * Math.cos(angle);
      const s = weight * Math.sin(angle);
      m[(4 * p + 0) * S + j] = c; // Wr Xr
      m[(4 * p + 3) * S + j] = -c; // Wi Xi
      m[(4 * p + 1) * S + j] = -s; // Wr Xi
      m[(4 * p + 2) * S + j] = -s; // Wi Xr
    }
  }
  return m;
}

/** Transposes a rows x cols matrix. */
export function transposeMatrix(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}
