/**
 * A store of nets' weights between runs, in memory (a WeightsStore): the web app's transfer worker keeps one, and so
 * may any process that runs transfer() again and again. In a browser a default net takes about two seconds to draw
 * and transform, the same for every run with the same seed and sizes: a run after the first, with a setting changed
 * that does not touch the nets (iterations, content weight, ...), skips that.
 */
import type { WeightsStore } from './weights.js';

/** How long the weights of the last run are kept once it ended: long enough to change a setting and run again. */
export const WEIGHTS_IDLE_MS = 5 * 60 * 1000;

/**
 * Keeps the weights the last run used, and nothing else: a run that needs other nets drops them before it makes its
 * own, so that they never add to its peak; and after WEIGHTS_IDLE_MS without a run, it keeps nothing.
 * Lifecycle: construct -> (beginRun -> the run's loads and saves -> endRun) any number of times -> clear.
 */
export class MemoryWeightsStore implements WeightsStore {
  /** What this run has read or saved. */
  private current = new Map<string, Float32Array>();
  /** What the last run used that this one has not read (yet). */
  private previous = new Map<string, Float32Array>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly idleMs = WEIGHTS_IDLE_MS) {}

  /** The floats kept under `key`. A miss means a net is about to be made: what the last run used and this one did not goes first. */
  async load(key: string, length: number): Promise<Float32Array | null> {
    const data = this.current.get(key) ?? this.previous.get(key);
    if (!data || data.length !== length) {
      this.previous.clear();
      return null;
    }
    this.previous.delete(key);
    this.current.set(key, data);
    return data;
  }

  /** Keeps `data` (the net's own array, not a copy: a net never changes its weights). */
  save(key: string, data: Float32Array): void {
    this.current.set(key, data);
  }

  /** A run begins: what the last one used stays until this one reads it, or misses. */
  beginRun(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const [key, data] of this.current) this.previous.set(key, data);
    this.current.clear();
  }

  /** The run ended (done, failed or cancelled): keeps what it used for WEIGHTS_IDLE_MS. */
  endRun(): void {
    this.previous.clear();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.clear(), this.idleMs);
    // In Node (tests), an idle store must not keep the process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Keeps nothing. */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.current.clear();
    this.previous.clear();
  }

  /** Floats kept (for tests and memory notes). */
  get floats(): number {
    let n = 0;
    for (const map of [this.current, this.previous]) for (const data of map.values()) n += data.length;
    return n;
  }
}
