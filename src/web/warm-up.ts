/**
 * A small transfer run as the transfer worker starts, while the page waits for its user: the browser compiles
 * WebAssembly first with a fast baseline compiler and moves the code that runs most to its optimising tier only as it
 * runs, so a page's first run used to spend about 2 s more than later ones in its optimise stage alone. A run that
 * comes cancels the warm-up and waits for it to stop. Lifecycle: start -> stop (at the first run).
 */
import { Random } from '../dsp/random.js';
import { transfer } from '../pipeline/transfer.js';
import { webRuntime, type WasmPaths } from './runtime.js';

/** Seconds of the warm-up's clips, and its net: enough for the hot code to reach the optimising tier, in about 2 s on 2 cores. */
const WARM_UP_SECONDS = 3;
const WARM_UP_FILTERS = 256;
const WARM_UP_SAMPLE_RATE = 22050;

/** Work begun at once and stopped on demand; whatever it throws is its own, never the caller's. */
export class WarmUp {
  private readonly controller = new AbortController();
  private readonly done: Promise<void>;

  /** Starts `work`, which should stop soon after its signal is aborted. */
  constructor(work: (signal: AbortSignal) => Promise<unknown>) {
    this.done = work(this.controller.signal).then(
      () => undefined,
      () => undefined, // cancelled, or failed: the run that follows reports its own problems
    );
  }

  /** Resolves once the work has ended by itself (or been stopped), without stopping it. */
  finished(): Promise<void> {
    return this.done;
  }

  /** Cancels the work and resolves once it has stopped (at once if it had ended). */
  stop(): Promise<void> {
    this.controller.abort();
    return this.done;
  }
}

/**
 * The warm-up's work: a transfer on the same runtime a run with the default backend gets ('auto': the same providers
 * and the same WebAssembly threads, which onnxruntime-web fixes at its first session), of deterministic noise, with
 * its own small net. It shares nothing with a run but the compiled code and onnxruntime's heap.
 */
export async function warmUpTransfer(wasmPaths: WasmPaths | undefined, signal: AbortSignal): Promise<void> {
  const { runtime } = await webRuntime({ backend: 'auto', wasmPaths });
  const clip = (seed: number) => ({
    channels: [new Random(seed).fillNormal(new Float32Array(WARM_UP_SECONDS * WARM_UP_SAMPLE_RATE), 0.1)],
    sampleRate: WARM_UP_SAMPLE_RATE,
  });
  await transfer(runtime, { content: clip(1), style: clip(2), filters: WARM_UP_FILTERS, iterations: 4, rounds: 1 }, { signal });
}
