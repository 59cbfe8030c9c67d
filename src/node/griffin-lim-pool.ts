/**
 * Fast Griffin-Lim split over worker threads: every iteration's inverse STFT is cut into runs of output samples and
 * its forward STFT into runs of frames, one run a thread, on a state in shared memory. Each sample's overlap-add takes
 * its frames in the same order as on one thread, so the result is the same to the bit. Clips of 256 to 4096 frames
 * (~6 to ~95 s) only: shorter ones gain less than starting the threads costs, longer ones would cost memory (MAX_FRAMES).
 * Lifecycle: new GriffinLimPool(threads) -> run (any number of times, one at a time) -> dispose.
 */
import { Worker } from 'node:worker_threads';
import {
  checkMagnitude,
  createGriffinLimState,
  fastGriffinLim,
  startPhase,
  type GriffinLimOptions,
  type GriffinLimRunner,
  type GriffinLimState,
} from '../dsp/griffin-lim.js';
import { frameCount, type StftPlan } from '../dsp/stft.js';
import type { GriffinLimReply, GriffinLimTask } from './griffin-lim-worker.js';

/** Frames a thread should have at least, below which the messages cost more than the split saves. */
const MIN_FRAMES_PER_THREAD = 32;

/**
 * Frames below which a run does not start the threads (it uses them once they are up). Starting them takes about
 * 0.1 s, and a transfer's three 8-iteration reconstructions save about 0.45 ms a frame with 2 threads: even at about
 * 220 frames, 5 s at the default hop (the bundled example, 228 frames, took 0.31-0.33 s in its phase stage either way).
 */
const MIN_FRAMES_TO_START = 256;

/**
 * Frames above which a run stays on the calling thread (about 95 s at the default hop). The shared state is garbage
 * that the main thread collects late (its shared memory does not prompt a collection), so each reconstruction raised
 * the peak by about 5 spectrogram-sized arrays: a 10-minute clip peaked at 3273 MiB against 2700 on one thread, where
 * the threads saved 3% of its time. Below this the arrays are small next to the run's own (the memory estimate still
 * holds), and the same clips spend a larger share of their time in Griffin-Lim.
 */
const MAX_FRAMES = 4096;

/**
 * Milliseconds a pool stays up after a run: the next run within them reuses its threads and its shared state (a
 * transfer's reconstructions come a round apart), and after them the threads stop and the state goes. An idle worker
 * never collects its garbage, so the views it held would keep the state's memory (4 spectrogram-sized arrays and the
 * signal, about 75 MB at 95 s) until its thread ends.
 */
const IDLE_MS = 3000;

/** One worker thread and the answer it owes. */
interface PoolWorker {
  worker: Worker;
  waiting: { resolve: () => void; reject: (err: Error) => void } | null;
  failure: Error | null;
}

/** Worker threads that run fast Griffin-Lim together (GriffinLimRunner `run`). */
export class GriffinLimPool {
  private workers: PoolWorker[] = [];
  /** Runs one after another: the workers hold one state at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The last run's state in shared memory, reused by a run of the same sizes. */
  private state: GriffinLimState | null = null;
  /** Where a magnitude that is not in shared memory is copied for the threads. */
  private ownMagnitude: Float32Array | null = null;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;

  /** A pool of `threads` workers, started at the first run that is long enough to split. */
  constructor(readonly threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`GriffinLimPool needs a positive whole number of threads, got ${threads}`);
  }

  /** fastGriffinLim, split over the pool's threads where the clip is long enough; the same result either way. */
  readonly run: GriffinLimRunner = (plan, magnitude, options) => {
    const result = this.queue.then(() => this.runNow(plan, magnitude, options));
    this.queue = result.catch(() => undefined);
    return result;
  };

  /** Bytes of shared memory the pool holds now: its state between runs less than IDLE_MS apart, else none. */
  get sharedBytes(): number {
    if (!this.state) return 0;
    const { cos, sin, previousRe, previousIm, signal } = this.state;
    return [cos, sin, previousRe, previousIm, signal, this.ownMagnitude].reduce((sum, a) => sum + (a?.byteLength ?? 0), 0);
  }

  /** Stops the worker threads and lets their shared state go; a later run starts new ones. A pool idle for IDLE_MS does this itself. */
  async dispose(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.state = null;
    this.ownMagnitude = null;
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }

  private async runNow(plan: StftPlan, magnitude: Float32Array, options: GriffinLimOptions): Promise<Float32Array> {
    const { iterations, length } = options;
    const frames = frameCount(length, plan.hop);
    const threads = Math.min(this.threads, Math.floor(frames / MIN_FRAMES_PER_THREAD));
    const started = this.workers.length >= threads && this.workers.slice(0, threads).every((w) => !w.failure);
    if (threads < 2 || frames > MAX_FRAMES || (frames < MIN_FRAMES_TO_START && !started)) return fastGriffinLim(plan, magnitude, options);
    checkMagnitude(plan, magnitude, length);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    // A state of other sizes goes with the threads that hold views of it (see IDLE_MS), before a new one is made.
    if (this.state && (this.state.cos.length !== magnitude.length || this.state.signal.length !== length)) await this.dispose();
    const shared = (floats: number): Float32Array => new Float32Array(new SharedArrayBuffer(4 * floats));
    // A magnitude in shared memory is read where it lies; another is copied, into memory kept with the state.
    let sharedMagnitude = magnitude;
    if (magnitude.buffer instanceof SharedArrayBuffer) this.ownMagnitude = null;
    else {
      if (this.ownMagnitude?.length !== magnitude.length) this.ownMagnitude = shared(magnitude.length);
      this.ownMagnitude.set(magnitude);
      sharedMagnitude = this.ownMagnitude;
    }
    const state = (this.state ??= createGriffinLimState(plan, sharedMagnitude, length, shared));
    state.magnitude = sharedMagnitude;
    startPhase(state, plan.bins, options.initialPhase, options.seed);
    const momentum = options.momentum ?? 0.99;
    const alpha = momentum / (1 + momentum);
    // Sample runs start on frame starts (multiples of the hop), frame runs cut the frames evenly.
    const sampleCut = (w: number): number => (w === threads ? length : Math.round((w * length) / threads / plan.hop) * plan.hop);
    const frameCut = (w: number): number => Math.round((w * frames) / threads);
    const workers = this.start(threads);
    workers.forEach((w) => w.worker.ref()); // a run in flight keeps the process alive
    try {
      const buffers = Object.fromEntries(Object.entries(state).map(([k, v]) => [k, (v as Float32Array).buffer])) as Record<keyof GriffinLimState, SharedArrayBuffer>;
      await this.all(workers, () => ({ type: 'start', nFft: plan.nFft, hop: plan.hop, buffers }));
      const project = (): Promise<void> => this.all(workers, (w) => ({ type: 'project', s0: sampleCut(w), s1: sampleCut(w + 1) }));
      for (let it = 0; it < iterations; it++) {
        await project();
        await this.all(workers, (w) => ({ type: 'update', alpha, first: frameCut(w), end: frameCut(w + 1) }));
        options.onIteration?.(it + 1);
      }
      await project();
      return Float32Array.from(state.signal);
    } finally {
      workers.forEach((w) => w.worker.unref()); // idle workers do not hold the process open
      this.idleTimer = setTimeout(() => void this.dispose(), IDLE_MS);
      this.idleTimer.unref();
    }
  }

  /** The first `count` workers, started where missing (or replaced where one failed). */
  private start(count: number): PoolWorker[] {
    for (let i = 0; i < count; i++) {
      if (this.workers[i] && !this.workers[i].failure) continue;
      void this.workers[i]?.worker.terminate();
      this.workers[i] = spawn();
    }
    return this.workers.slice(0, count);
  }

  /** Sends each worker its task and waits for all of them; the first failure is thrown after all have answered. */
  private async all(workers: PoolWorker[], task: (index: number) => GriffinLimTask): Promise<void> {
    const answers = await Promise.allSettled(
      workers.map(
        (w, i) =>
          new Promise<void>((resolve, reject) => {
            if (w.failure) return reject(w.failure);
            w.waiting = { resolve, reject };
            w.worker.postMessage(task(i));
          }),
      ),
    );
    const failed = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/**
 * Starts one worker thread: the compiled worker, or from the TypeScript sources (tests, benches) its source through
 * tsx, registered in the worker first (Node 20's workers take no --import).
 */
function spawn(): PoolWorker {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? './griffin-lim-worker.ts' : './griffin-lim-worker.js', import.meta.url);
  const worker = fromSource
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true })
    : new Worker(url);
  worker.unref();
  const entry: PoolWorker = { worker, waiting: null, failure: null };
  const settle = (reply: GriffinLimReply | Error): void => {
    const waiting = entry.waiting;
    entry.waiting = null;
    if (reply instanceof Error) {
      entry.failure = reply;
      waiting?.reject(reply);
    } else if (reply.type === 'error') waiting?.reject(new Error(`Griffin-Lim worker: ${reply.message}`));
    else waiting?.resolve();
  };
  worker.on('message', settle);
  worker.on('error', (err) => settle(err instanceof Error ? err : new Error(String(err))));
  worker.on('exit', (code) => settle(new Error(`Griffin-Lim worker stopped (exit code ${code})`)));
  return entry;
}
