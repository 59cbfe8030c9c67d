/**
 * The nets a run will use, made before it: transfer() builds its nets with runNets, and prepareNets makes the same nets'
 * weights ahead of a run (and the held-out nets' that judge it), into the runtime's weights store. The web app calls it
 * while its user picks files and settings, so that a first run skips what a second one does: drawing and transforming
 * the weights (about 2 s of a 10 s run in a browser), and growing onnxruntime's WebAssembly heap to hold them.
 */
import { CancelledError } from '../errors.js';
import { loadFastFft } from '../dsp/fft.js';
import { StftPlan } from '../dsp/stft.js';
import { computesOnGpu, type Runtime } from '../model/runtime.js';
import { StyleNet } from '../model/style-net.js';
import { HELD_OUT_NETS, heldOutNet } from '../quality/measures.js';
import { estimateMemory } from './memory.js';
import { kernelWidths, type TransferSettings } from './settings.js';

/**
 * The style nets of a run with these settings on spectrograms of `bins` frequency bins: one per kernel width (one by
 * default), the first with the user's seed, the others at seeds 7919 apart.
 */
export function runNets(runtime: Runtime, settings: TransferSettings, bins: number): StyleNet[] {
  return kernelWidths(settings).map((kernel, i) =>
    StyleNet.create(runtime, { bins, filters: settings.filters, kernel }, (settings.seed + 7919 * i) >>> 0, settings.convolution),
  );
}

/** What prepareNets did, for a caller that reports it. */
export interface PreparedNets {
  /** Nets whose weights are now in the store: the run's, then the held-out ones. */
  nets: number;
  /** Milliseconds it took. */
  ms: number;
  /** Whether it ran the first net to grow onnxruntime's WebAssembly heap. */
  grewHeap: boolean;
}

/**
 * Makes the weights of the nets a run with `settings` will use and leaves them in `runtime.weightsStore` (which must be
 * set), with the held-out nets' when `quality` is on and their convolution does not depend on the clips' length (not
 * on onnxruntime-node's CPU; measures.ts). On onnxruntime-web's WebAssembly (a runtime with a heap limit) the first
 * net then runs once on a silent spectrogram, unless `hurry` says a run is waiting: that copies its weights into
 * onnxruntime's heap, which grows to hold them and keeps the space for the run (the heap never shrinks; growing it is
 * slow in a browser: a first run 1 s sooner, for about 2 s of the idle page's time). Stops with a CancelledError when
 * `signal` is aborted: it is read between nets and between groups of filters, each time after the runtime's pause
 * (Runtime.pause: in a worker, a turn of its event loop, where it reads the message that stops this). Makes nothing
 * (0 nets) where even the shortest run would be refused for onnxruntime's heap (Runtime.heapLimitBytes), as
 * transfer() refuses it.
 */
export async function prepareNets(
  runtime: Runtime,
  settings: TransferSettings,
  options: { quality?: boolean; signal?: AbortSignal; hurry?: () => boolean } = {},
): Promise<PreparedNets> {
  if (!runtime.weightsStore) throw new Error('prepareNets needs a runtime with a weights store: the weights would be lost');
  const started = performance.now();
  const checkCancel = (): void => {
    if (options.signal?.aborted) throw new CancelledError();
  };
  // Nets whose weights alone pass onnxruntime's heap (the estimate of the shortest run) would be refused by any run.
  const widest = Math.max(...kernelWidths(settings));
  const gpu = computesOnGpu(runtime) && !runtime.fallbackToCpu;
  if (runtime.heapLimitBytes !== undefined && estimateMemory(settings, widest, widest, 1, { gpu }).runtimeBytes > runtime.heapLimitBytes) {
    return { nets: 0, ms: performance.now() - started, grewHeap: false };
  }
  await loadFastFft();
  const bins = new StftPlan(settings.nFft, settings.hop).bins;
  const nets = runNets(runtime, settings, bins);
  const heldOut = options.quality && runtime.executionProviders[0] !== 'cpu' ? HELD_OUT_NETS : [];
  for (const spec of heldOut) nets.push(heldOutNet(runtime, bins, spec, 'auto'));
  let grewHeap = false;
  try {
    for (const net of nets) {
      await runtime.pause?.();
      checkCancel();
      await net.prepare(checkCancel);
    }
    // Last, and not when a run is waiting (`hurry`): it would grow the heap itself, and sooner.
    grewHeap = runtime.heapLimitBytes !== undefined && !computesOnGpu(runtime) && !options.hurry?.();
    if (grewHeap) {
      await runtime.pause?.();
      checkCancel();
      const frames = nets[0].shape.kernel;
      await nets[0].features({ data: new Float32Array(bins * frames), bins, frames });
    }
  } finally {
    await Promise.all(nets.map((net) => net.dispose()));
  }
  return { nets: nets.length, ms: performance.now() - started, grewHeap };
}
