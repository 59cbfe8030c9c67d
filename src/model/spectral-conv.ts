/**
 * The net's convolution in the frequency domain of the time axis (overlap-save): the spectrogram is cut into blocks of
 * L frames that overlap by K-1, each block's L-point real DFT is multiplied bin by bin with the DFT of the kernels, and
 * the inverse DFT keeps the S = L-K+1 outputs that did not wrap around. Per DFT bin the product is a matrix product
 * over the C input bins. A complex product takes three real ones (Gauss's trick: Wr+Wi, Wr and Wi times Xr, Xi-Xr
 * and Xr+Xi), and the DFT's first and last bins, real for real blocks, one: Q = 3P - 4 real (N x C) x (C x B)
 * products for the P = L/2+1 bins, i.e. Q/S multiply-adds per output frame instead of K: 5.1x fewer at K = 11,
 * L = 32. Each product's two sides are linear in the kernels and the block, so the combinations live in the small
 * DFT matrices (the kernels' K x Q, the blocks' L x Q) and the recombination in the inverse (Q x S): no extra step
 * runs. This file holds the pure block arithmetic; graphs.ts builds the graph fragments.
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
  /** Real products per block, Q = 3P - 4: three for each complex bin, one each for the real first and last (blockSlots). */
  slots: number;
}

/** The block arithmetic for a kernel width and an even block length greater than the kernel. */
export function blockPlan(kernel: number, length: number): BlockPlan {
  if (!Number.isInteger(length) || length % 2 !== 0 || length <= kernel) {
    throw new RangeError(`block length must be an even integer above the kernel width ${kernel}, got ${length}`);
  }
  const points = length / 2 + 1;
  return { kernel, length, hop: length - kernel + 1, points, slots: 3 * points - 4 };
}

/**
 * What each of the Q real products computes: at DFT bin p, `real` (the first and last bins, where the block's and the
 * kernels' DFTs are real: Wr Xr), or one of Gauss's three, whose sums give the complex product W X:
 *   k1 = (Wr + Wi) Xr,  k2 = Wr (Xi - Xr),  k3 = Wi (Xr + Xi);   Re = k1 - k3,  Im = k1 + k2.
 * In order: bin 0, then k1, k2, k3 of bins 1 .. P-2, then bin P-1.
 */
export function blockSlots(plan: BlockPlan): { bin: number; part: 'real' | 'k1' | 'k2' | 'k3' }[] {
  const slots: { bin: number; part: 'real' | 'k1' | 'k2' | 'k3' }[] = [{ bin: 0, part: 'real' }];
  for (let p = 1; p < plan.points - 1; p++) for (const part of ['k1', 'k2', 'k3'] as const) slots.push({ bin: p, part });
  slots.push({ bin: plan.points - 1, part: 'real' });
  return slots;
}

/** Multiply-adds of the direct convolution per multiply-add of the block form (before the DFTs' small cost). */
export function blockSaving(plan: BlockPlan): number {
  return (plan.kernel * plan.hop) / plan.slots;
}

/**
 * Below this saving in multiply-adds the block form is not faster: its products run at ~60-70% of Conv's rate here.
 * With three products a bin it takes kernels 5 and 7 too (savings 2.6 and 3.0), where it was measured faster at the
 * default 4096 filters: 96.5 against 106.5 ms an evaluation at K = 5 and 10 s (774 against 950 ms at 60 s), 105.6
 * against 140.9 ms at K = 7 (854 against 1154 ms at 60 s).
 */
const MIN_SAVING = 2.5;

/**
 * The block plan for a kernel width, or null where the direct convolution is as fast. L is the smallest power of two
 * of at least 2K: longer blocks save a little more work but their weights grow as L (Q x N x C floats: 790 MB at
 * 4096 filters, L = 32) and their products get thinner. Measured at K = 11, 10 s, with four products a bin: two
 * products of 83 + 107 ms against two Convs of 2 x 208 ms (bench/run.ts --conv); with three, 43 + 66 ms (onnxruntime's
 * profiler, a quieter hour).
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
  // Element by element: a block is 16 values at the default kernel, and two typed-array views per block (a million
  // at 60 s) took twice as long as the copy itself.
  for (let r = 0; r < rows; r++) {
    const rowStart = r * rowLength + start;
    for (let b = 0, o = r * B * L; b < B; b++, o += L) {
      const from = b * S;
      const end = Math.min(L, frames - from);
      const at = rowStart + from;
      for (let j = 0; j < end; j++) out[o + j] = src[at + j];
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
    // Frame t = b S + j goes to column j B + b: by blocks b and offsets j, without a division per value.
    for (let b = 0, t = 0; t < featureFrames; b++) {
      for (let j = 0; j < S && t < featureFrames; j++, t++) out[to + j * B + b] = src[from + t];
    }
  }
  return out;
}

/** 1 at the block form's columns that are real conv outputs (frame < featureFrames), 0 at the padding: 1 x (S B). */
export function validOutputMask(plan: BlockPlan, featureFrames: number): Float32Array {
  return toBlockColumns(plan, new Float32Array(featureFrames).fill(1), 1, featureFrames);
}

/**
 * The blocks' side of each real product, L x Q: column q takes a block to the part of its DFT that product q reads
 * (blockSlots), with the DFT X_p = sum_j x_j e^(-2 pi i p j / L): Xr at the real bins and for k1, Xi - Xr for k2,
 * Xr + Xi for k3.
 */
export function blockAnalysisMatrix(plan: BlockPlan): Float32Array {
  const { length: L, slots: Q } = plan;
  const slots = blockSlots(plan);
  const m = new Float32Array(L * Q);
  for (let j = 0; j < L; j++) {
    slots.forEach(({ bin, part }, q) => {
      const angle = (2 * Math.PI * ((bin * j) % L)) / L;
      const [re, im] = [Math.cos(angle), -Math.sin(angle)];
      m[j * Q + q] = part === 'k2' ? im - re : part === 'k3' ? re + im : re;
    });
  }
  return m;
}

/**
 * The kernels' side of each real product, K x Q: the kernels' conjugate DFT W_p = sum_m w_m e^(+2 pi i p m / L), which
 * turns the DFT's circular convolution into the net's cross-correlation, y[j] = sum_m w[m] x[j + m]; column q holds
 * Wr at the real bins and for k2, Wr + Wi for k1, Wi for k3.
 */
export function kernelSlotMatrix(plan: BlockPlan): Float32Array {
  const { length: L, kernel: K, slots: Q } = plan;
  const slots = blockSlots(plan);
  const m = new Float32Array(K * Q);
  for (let k = 0; k < K; k++) {
    slots.forEach(({ bin, part }, q) => {
      const angle = (2 * Math.PI * ((bin * k) % L)) / L;
      const [re, im] = [Math.cos(angle), Math.sin(angle)];
      m[k * Q + q] = part === 'k1' ? re + im : part === 'k3' ? im : re;
    });
  }
  return m;
}

/**
 * From the Q real products to the S valid outputs of a block, Q x S: the complex products (Re = k1 - k3,
 * Im = k1 + k2) through the inverse real DFT, y_j = sum_p w_p (Re cos - Im sin)(2 pi p j / L), whose bins between 0
 * and L/2 count twice (w_p = 2/L: they stand for their conjugate twins too).
 */
export function blockSynthesisMatrix(plan: BlockPlan): Float32Array {
  const { length: L, hop: S, slots: Q } = plan;
  const slots = blockSlots(plan);
  const m = new Float32Array(Q * S);
  slots.forEach(({ bin, part }, q) => {
    const weight = (bin === 0 || 2 * bin === L ? 1 : 2) / L;
    for (let j = 0; j < S; j++) {
      const angle = (2 * Math.PI * ((bin * j) % L)) / L;
      const c = weight * Math.cos(angle);
      const s = weight * Math.sin(angle);
      m[q * S + j] = part === 'k1' ? c - s : part === 'k2' ? -s : part === 'k3' ? -c : c;
    }
  });
  return m;
}

/** Transposes a rows x cols matrix. */
export function transposeMatrix(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}
