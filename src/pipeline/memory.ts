import { chooseStyleMode, featureFrames, gramExpansion } from '../model/shape.js';
import { blockCount } from '../model/spectral-conv.js';
import { FEATURE_CACHE_BYTES } from '../model/objectives.js';
import { GPU_DIRECT_MAX_KERNEL, chunkFeatureFramesFor, chunksOf, convPlanFor } from '../model/style-net.js';
import { featureColumns, type ConvPlan } from '../model/graphs.js';
import { iterationsPerRound, kernelWidths, type TransferSettings } from './settings.js';

/** Bytes of the process before any audio: Node, onnxruntime and the decoders' wasm. */
const BASE_BYTES = 160 * 2 ** 20;
/** Spectrogram-sized float arrays alive while optimising, besides L-BFGS's correction pairs: x, gradient, direction,
 * trial point, line-search gradients, the content spectrogram and STFT, Griffin-Lim's phase. A texture has no content
 * but one array more, the point clamped under its ceiling (ceiling.ts), so the count holds for it too. */
const SPECTROGRAM_COPIES = 14;

/** Feature frames above which the objective runs chunk by chunk (about 95 s at the default hop). */
export const LONG_CLIP_FEATURE_FRAMES = 4096;

/** Whether a clip of this many feature frames is optimised with the chunked objective. */
export function useChunkedObjective(featureFrameCount: number): boolean {
  return featureFrameCount > LONG_CLIP_FEATURE_FRAMES;
}

/**
 * L-BFGS correction pairs to keep: the requested number (`--history`), or with 0 (auto) 10 (scipy's default) up to
 * 6.4M spectrogram values (~2.5 min at the defaults), then fewer, so that the pairs never take more than ~512 MB, down
 * to 2 (a 10-minute clip: 26.5M values, 106 MB a copy; each round runs only 4 iterations at the defaults, so it has at
 * most 3 pairs to keep). A 10-minute run at 1 pair measured 2.6 GB peak RSS; every further pair adds 212 MB.
 */
export function lbfgsHistoryFor(spectrogramValues: number, requested = 0): number {
  return requested > 0 ? requested : Math.max(2, Math.min(10, Math.floor(6.4e7 / spectrogramValues)));
}
/** Feature-sized (N x T') tensors alive at once in the objective graph (conv output, ReLU, scaled, gradient, mask, ...). */
const FEATURE_COPIES = 8;

/** A run's estimated peak memory, in bytes: all of it, and the part that lives inside the compute runtime. */
export interface MemoryEstimate {
  /** The process's peak with onnxruntime-node on the CPU, which reads inputs where they lie. */
  totalBytes: number;
  /**
   * onnxruntime's own peak: a session run's inputs (the weights among them), outputs and intermediates, and the
   * runtime's base. onnxruntime-web's WebAssembly build holds all of it in one heap that cannot pass 4 GiB
   * (WASM_HEAP_LIMIT_BYTES), whatever the machine has.
   */
  runtimeBytes: number;
}

/** What estimateMemory needs to know of where the run computes. */
export interface EstimateOptions {
  /**
   * The graphs run on a GPU, with no fall-back to the CPU: the process's peak then leaves out what lives in the
   * device's memory. Measured on an H200 (16-thread host), 10-600 s at several settings: the estimate 0.92-1.35x the
   * peak RSS, where the CPU's estimate was 1.04-2.01x (up to twice at 60 s with --kernels 3,11,31).
   */
  gpu?: boolean;
  /**
   * Whether a whole clip's Gram difference may be formed by halves (GraphShape.gramHalves, on WebAssembly), which
   * holds N^2 / 2 + 2 N T' floats more in onnxruntime's heap. Default true; transfer() runs without them a run that fits
   * the heap only so.
   */
  gramHalves?: boolean;
}

/** The most a WebAssembly (wasm32) heap can hold: onnxruntime-web's wasm backend fails past it. */
export const WASM_HEAP_LIMIT_BYTES = 4 * 2 ** 30;

/**
 * onnxruntime-web's heap before the net's own tensors: its module, the spectral weights' graph, the Gram sessions'
 * small tensors. Fitted to the measured heaps (WASM_HEAP_MEASURED in memory.test.ts): the bundled example at 22.05
 * kHz, 4096 filters, held 859 MiB, of which the block form's weights, fed as an input, are 753 MiB; in the Conv form
 * 539 MiB, of which the weights are 351 MiB (96 MiB had fitted the heaps of 2026-11-26, which were 100 MiB less
 * with the Conv form).
 */
const RUNTIME_BASE_BYTES = 150 * 2 ** 20;

/**
 * What a GPU run's process holds besides the CPU's terms: Dawn's and onnxruntime's WebGPU host memory (the Vulkan
 * driver, staging buffers). Fitted to the peaks measured on an H200 machine (GPU_MEASURED in memory.test.ts) once the
 * weights counted there were those of the form the GPU takes (onnxruntime's Conv up to GPU_DIRECT_MAX_KERNEL).
 * Before, the block form's weights, which such a run never makes, had stood in for it.
 */
const GPU_HOST_BYTES = 150 * 2 ** 20;

/**
 * The share of the intermediates counted for the process's peak (convolution work, feature copies, style terms) that
 * onnxruntime-web's heap holds at once with the whole-clip objective: fitted to the heaps measured at 10-60 s (the
 * counted terms were 1.9x the heap's growth beyond the weights at 60 s, 22.05 kHz).
 */
const RUNTIME_WORK_SHARE = 0.6;

/**
 * Bytes of a convolution's work over `frames` feature frames of N filters, C bins, kernel k: in block form the real
 * products with their transposes (4 of Q x N x B), else the Convs' unfolded inputs.
 */
function convWorkBytes(plan: ConvPlan, k: number, N: number, C: number, frames: number): number {
  const floats = plan ? 4 * plan.slots * N * blockCount(plan, frames) : C * k * frames + N * k * (frames + k - 1);
  return 4 * floats;
}

/**
 * Estimates a run's peak memory from its sizes, before anything is allocated, so that a run that cannot fit is refused
 * at once rather than killed an hour in. The total against peak RSS (docs/usage.md, "Robustness"): from 5% under to 10% over from 60 s on
 * (identical runs' peaks differ, with the garbage collector's timing: by up to 6% at 150 s, and from 3.15 to 3.74 GiB
 * at 10 minutes with a content term; from 2% under to 13% over, measured again with three products a bin), but
 * 10-20% under at 10 s, where the allocator's growth over the first evaluations, and the weights' making in the
 * analyse stage, are a larger share (most at 44.1 kHz: 1.91 GiB estimated, 2.39 GiB measured, ESTIMATE_SHORTFALL).
 * At kernel 7 (the default since 2026-11-27): 4.9% under at 10 s, 6% over at 60 s, 2-5% over at 150 s, 15-17% over at
 * 600 s, once a released objective's arrays are collected before Griffin-Lim makes its own (Runtime.collectGarbage)
 * and a chunked objective's Gram sums add up in the graph; before, those arrays were often still held then, and the
 * estimate was up to 9% under at 150 s.
 * With `gpu`, the estimate of a run on a GPU: 5% under to 34% over there.
 */
export function estimateMemory(
  settings: TransferSettings,
  contentFrames: number,
  styleFrames: number,
  channels = 1,
  { gpu = false, gramHalves = true }: EstimateOptions = {},
): MemoryEstimate {
  const C = settings.nFft / 2 + 1;
  const { filters: N } = settings;
  const widths = kernelWidths(settings);
  const K = Math.max(...widths);
  const Tf = featureFrames(contentFrames, K);
  const Ts = featureFrames(styleFrames, K);
  const float = 4;
  const chunked = useChunkedObjective(Tf);
  let live = 0; // feature frames in one graph run (the widest chunk of any net)
  let weights = 0;
  let largestNetWeights = 0; // one net's: the runtime holds one net's copy at a time
  let convWork = 0;
  let convWorkSum = 0; // every net's
  let chunkConvWork = 0; // the same for one chunk of a pass over a whole clip (StyleNet.features)
  let contentKept = 0; // every net's content features, as its objective keeps them
  let largestContentKept = 0;
  for (const k of widths) {
    const before = weights;
    const plan = convPlanFor(k, settings.convolution);
    const frames = chunked ? Math.min(Tf, chunkFeatureFramesFor(plan)) : Tf;
    live = Math.max(live, frames);
    // The kernels' side of the block form's products (Q x N x C), else W and its flipped transpose; on a GPU those of
    // the form StyleNet.create takes there ('auto' is onnxruntime's Conv up to GPU_DIRECT_MAX_KERNEL).
    const weightsPlan = gpu && settings.convolution === 'auto' && k <= GPU_DIRECT_MAX_KERNEL ? null : plan;
    weights += weightsPlan ? weightsPlan.slots * N * C * float : 2 * N * C * k * float;
    const work = convWorkBytes(plan, k, N, C, frames);
    convWork = Math.max(convWork, work);
    convWorkSum += work;
    chunkConvWork = Math.max(chunkConvWork, convWorkBytes(plan, k, N, C, Math.min(Tf, chunkFeatureFramesFor(plan))));
    largestNetWeights = Math.max(largestNetWeights, weights - before);
    // A chunked objective keeps them at half precision in its chunks' column form; a whole-clip one as float32 features.
    const kept = chunked
      ? 2 * N * chunksOf(contentFrames, k, chunkFeatureFramesFor(plan)).reduce((sum, c) => sum + featureColumns(plan, c.chunkOut), 0)
      : float * N * Tf;
    contentKept += kept;
    largestContentKept = Math.max(largestContentKept, kept);
  }
  // A content term keeps the content's features for each net's objective, and one more float32 copy: while the next
  // net's are taken, or, chunked, what the features pass leaves for the garbage collector (each chunk's output and its
  // column form; the kept features are at half precision). It adds three feature-sized tensors to each graph run (the
  // difference, its scaled copy, their sum) and, chunked, the chunk's decoded features, and runs the features graph
  // over the content a chunk at a time, whose arena keeps one chunk's convolution work (where the style is in kernel
  // form that session exists anyway). Measured with one net: +49 MiB at 10 s, +263 MiB at 60 s, +216 MiB at 150 s,
  // +656 MiB at 10 minutes with float32 features (content weight 0.05; docs/how-it-works.md).
  const withContent = settings.contentWeight > 0;
  const kernelForm = !chunked && chooseStyleMode(N, Tf, Ts) === 'kernel';
  const featurePass = kernelForm ? 0 : chunkConvWork;
  const contentWork = chunked ? float * N * Tf + 4 * N * live * float : largestContentKept + 3 * N * live * float;
  const contentFeatures = withContent ? contentKept + contentWork + featurePass : 0;
  // The chunked objective keeps one net's features between its two passes when they fit in FEATURE_CACHE_BYTES.
  const featureCache = chunked && N * Tf * float <= FEATURE_CACHE_BYTES ? N * Tf * float : 0;
  const features = FEATURE_COPIES * N * live * float + contentFeatures + featureCache;
  // Kernel form: the style's features, the T' x T' and Ts' x T' inner products. Gram form: the Gram, the difference, the
  // target and one style chunk's features. A short clip's objective expanded through frames (gramExpansion) holds no
  // N x N difference, but the style's pass before it (a float64 sum of the chunks' Grams) peaks as high: 10 s against
  // 150 s of plucks peaked at 1.06-1.09 million KiB during that pass either way.
  const style = kernelForm ? (N * Ts + Tf * Tf + Ts * Tf) * float : (3 * N * N + N * Math.min(Ts, 2048)) * float;
  // With several nets (--kernels) every whole-clip objective's session keeps its arena (its convolution work, feature
  // copies and style terms) for the run: those of the nets besides the largest. Chunked sessions run without one.
  // Measured at 60 s with kernels 3,11,31: 4,907,480 KiB peak RSS (5,810,484 with a content weight of 0.05), where
  // the largest net's alone was estimated (3.39 and 3.81 million KiB).
  const otherNets =
    chunked || widths.length === 1
      ? 0
      : convWorkSum - convWork + (widths.length - 1) * ((FEATURE_COPIES + (withContent ? 3 : 0)) * N * live * float + style);
  // Channels are optimised one after another; each further one keeps its spectrogram, its Griffin-Lim phase and its
  // content spectrogram (4 arrays), and with several the report's mono mix has one more. A 10-minute stereo run
  // peaked at 3.45 GB against 3.58 estimated (with 3 arrays a channel the estimate was 3.37 GB, under the peak).
  // A round of n iterations stores at most n pairs, whatever the history allows.
  const pairs = Math.min(lbfgsHistoryFor(C * contentFrames, settings.history), Math.max(...iterationsPerRound(settings)));
  const copies = SPECTROGRAM_COPIES + 2 * pairs + 4 * (channels - 1) + (channels > 1 ? 1 : 0);
  const spectrograms = copies * C * contentFrames * float;
  // Inside the runtime: every run's inputs are copied in and its outputs out (onnxruntime-web). The chunked objective's
  // runs, without an arena, once left the weights' block in pieces that the next run's copy of them did not fit, two
  // blocks of weights in all (1118 MiB at 150 s, 22.05 kHz, with 545 MiB of four-product weights); with the
  // three-product weights' layout one block (958 MiB, with 753 MiB of weights). Its features kept between passes and
  // its Gram sums live outside; one run holds a chunk's features and the N x N difference.
  const io = 2 * C * (chunked ? live + K - 1 : contentFrames) * float;
  // A whole clip's Gram difference by halves (GraphShape.gramHalves, on WebAssembly): the style Gram's blocks sliced
  // out, the difference's blocks where it had one N x N, and the features' halves and the gradient's, joined. Chosen
  // as StyleObjective.create chooses, on the widest net's feature columns (a block form's are T' rounded up).
  const columns = featureColumns(convPlanFor(K, settings.convolution), Tf);
  const halves = gramHalves && !chunked && !kernelForm && gramExpansion(N, columns) === 'matrices' ? (N * N / 2 + 2 * N * columns) * float : 0;
  const runtimeBytes = chunked
    ? RUNTIME_BASE_BYTES + largestNetWeights + convWork + FEATURE_COPIES * N * live * float + 2 * N * N * float + io +
      (withContent ? 4 * N * live * float + featurePass : 0) // a chunk's content features as fed, the term's tensors
    : RUNTIME_BASE_BYTES + largestNetWeights + RUNTIME_WORK_SHARE * (convWork + features + style) + halves + io;
  // On a GPU the convolutions' work and the other nets' arenas are the device's memory, not the process's. The rest
  // stays counted: the weights are made here and kept, and the peaks measured there hold about what the feature and
  // style terms count besides, with the GPU runtime's own host memory in their place (GPU_HOST_BYTES; GPU_MEASURED).
  const host = gpu ? GPU_HOST_BYTES : convWork + otherNets;
  return { totalBytes: BASE_BYTES + weights + features + style + spectrograms + host, runtimeBytes };
}

/** A run's estimated peak memory in bytes (estimateMemory's total): what the CLI checks against the available memory. */
export function estimateMemoryBytes(settings: TransferSettings, contentFrames: number, styleFrames: number, channels = 1, options: EstimateOptions = {}): number {
  return estimateMemory(settings, contentFrames, styleFrames, channels, options).totalBytes;
}

/**
 * How far the estimate may be under the peak: 20.2% at 10 s and 44.1 kHz, the worst measured (estimateMemory), where
 * the peak comes in the analyse stage as the block form's weights are made (2.5 GB of RSS, against 2.0 GB while
 * optimising); 20% before the three-product weights. 25% leaves room for the peaks' variation between identical runs.
 */
export const ESTIMATE_SHORTFALL = 0.25;

/**
 * A warning for a run admitted under `limitBytes` whose estimate is within ESTIMATE_SHORTFALL of it, or undefined:
 * such a run may still run out, and it is better said before it starts than by the kernel's killer.
 */
export function nearLimitWarning(neededBytes: number, limitBytes: number): string | undefined {
  if (!(neededBytes > (1 - ESTIMATE_SHORTFALL) * limitBytes)) return undefined;
  return (
    `this run needs about ${formatBytes(neededBytes)} of memory and ${formatBytes(limitBytes)} is available, and the ` +
    `estimate can be ${Math.round(100 * ESTIMATE_SHORTFALL)}% low: fewer --filters, a larger --hop or a shorter content clip need less`
  );
}

/** Formats bytes as "712 MB" or "3.4 GB". */
export function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GB` : `${Math.round(bytes / 2 ** 20)} MB`;
}
