/**
 * Fast Griffin-Lim split over worker threads: every iteration's inverse STFT is cut into runs of output samples and
 * its forward STFT into runs of frames, one run a thread, on a state in shared memory. Each sample's overlap-add takes
 * its frames in the same order as on one thread, so the result is the same to the bit. Clips of 256 frames (~6 s) and
 * more: shorter ones gain less than starting the threads costs. The state is made and held by the threads, never by
 * the calling thread, so that it goes when they stop (see IDLE_MS).
 * Lifecycle: new GriffinLimPool(threads) -> run (any number of times, one at a time) -> dispose.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { checkMagnitude, fastGriffinLim, type GriffinLimOptions, type GriffinLimRunner } from '../dsp/griffin-lim.js';
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
 * Floats of each array in one 'load' message: the magnitude (and the initial phase) go to the threads in pieces of
 * whole bins, each copied and transferred. A piece is garbage in its worker once written into the state, and a worker
 * that is only computing collects late, so small pieces bound what lingers (about 1 MB each).
 */
const PIECE_FLOATS = 1 << 18;

/**
 * Milliseconds a pool stays up after a run: the next run within them reuses its threads and its state (a transfer's
 * reconstructions come a round apart), and after them the threads stop and the state's memory goes with them (5
 * spectrogram-sized arrays and the signal, about 580 MB for a 10-minute clip).
 */
const IDLE_MS = 3000;

/** One worker thread and the answer it owes. */
interface PoolWorker {
  worker: Worker;
  waiting: { resolve: (reply: GriffinLimReply & { type: 'done' }) => void; reject: (err: Error) => void } | null;
  failure: Error | null;
}

/** A task for one worker, with the buffers it hands over. */
type Assignment = { to: PoolWorker; task: GriffinLimTask; transfer?: ArrayBuffer[] };

/**
 * Worker threads that run fast Griffin-Lim together (GriffinLimRunner `run`): `threads` that compute, and one more that
 * keeps the state. The keeper makes the state, draws a random initial phase and copies out the result, and otherwise
 * waits: a thread that both made the state and computed on it took 1.2x the CPU time of the others for its share (60 s
 * clip, 2 threads; not explained, but measured in every arrangement tried), which a run then waited for.
 */
export class GriffinLimPool {
  /** The keeper, then the computing threads; none before the first run that splits. */
  private workers: PoolWorker[] = [];
  /** Runs one after another: the workers hold one state at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The sizes of the state the threads hold ('' for none), and its bytes. */
  private stateKey = '';
  private stateBytes = 0;
  /** Counts the states handed from the keeper to the computing workers, so that none takes a stale one. */
  private generation = 0;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;

  /** A pool of `threads` computing workers (and a keeper), started at the first run that is long enough to split. */
  constructor(readonly threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`GriffinLimPool needs a positive whole number of threads, got ${threads}`);
  }

  /** fastGriffinLim, split over the pool's threads where the clip is long enough; the same result either way. */
  readonly run: GriffinLimRunner = (plan, magnitude, options) => {
    const result = this.queue.then(() => this.runNow(plan, magnitude, options));
    this.queue = result.catch(() => undefined);
    return result;
  };

  /** Bytes of shared memory the pool's threads hold now: their state between runs less than IDLE_MS apart, else none. */
  get sharedBytes(): number {
    return this.stateBytes;
  }

  /** Stops the worker threads, and with them their state; a later run starts new ones. A pool idle for IDLE_MS does this itself. */
  async dispose(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.stateKey = '';
    this.stateBytes = 0;
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }

  private async runNow(plan: StftPlan, magnitude: Float32Array, options: GriffinLimOptions): Promise<Float32Array> {
    const { iterations, length, initialPhase } = options;
    const frames = frameCount(length, plan.hop);
    const threads = Math.min(this.threads, Math.floor(frames / MIN_FRAMES_PER_THREAD));
    const started = this.workers.length > 0 && this.workers.every((w) => !w.failure);
    if (threads < 2 || (frames < MIN_FRAMES_TO_START && !started)) return fastGriffinLim(plan, magnitude, options);
    checkMagnitude(plan, magnitude, length);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    // A state of other sizes goes with the threads, before new ones make the next (a worker never idle long enough to
    // collect its garbage would keep the old one as well).
    const key = `${plan.nFft}/${plan.hop}/${length}`;
    if (this.stateKey && this.stateKey !== key) await this.dispose();
    const [keeper, ...computing] = this.start();
    const used = computing.slice(0, threads);
    const momentum = options.momentum ?? 0.99;
    const alpha = momentum / (1 + momentum);
    // Sample runs start on frame starts (multiples of the hop), frame runs cut the frames evenly.
    const sampleCut = (w: number): number => (w === threads ? length : Math.round((w * length) / threads / plan.hop) * plan.hop);
    const frameCut = (w: number): number => Math.round((w * frames) / threads);
    const each = (task: (index: number) => GriffinLimTask): Assignment[] => used.map((to, i) => ({ to, task: task(i) }));
    this.workers.forEach((w) => w.worker.ref()); // a run in flight keeps the process alive
    try {
      const generation = ++this.generation;
      const { nFft, hop } = plan;
      const create: GriffinLimTask = { type: 'create', generation, nFft, hop, length, seed: options.seed ?? 0, phaseGiven: !!initialPhase, peers: threads };
      this.stateKey = key; // from here the threads may hold it
      this.stateBytes = 4 * (5 * plan.bins * frames + length);
      await this.all([{ to: keeper, task: create }]);
      await this.all(used.map((to) => ({ to, task: { type: 'attach', generation } })));
      // The magnitude and initial phase, a few bins at a time, spread over the threads.
      const pieceBins = Math.max(1, Math.floor(PIECE_FLOATS / frames));
      const cut = (a: Float32Array, first: number): Float32Array => a.slice(first * frames, Math.min(plan.bins, first + pieceBins) * frames);
      for (let batch = 0; batch < plan.bins; batch += pieceBins * threads) {
        const pieces: Assignment[] = [];
        for (let w = 0; w < threads && batch + w * pieceBins < plan.bins; w++) {
          const first = batch + w * pieceBins;
          const task = { type: 'load', first, magnitude: cut(magnitude, first), re: initialPhase && cut(initialPhase.re, first), im: initialPhase && cut(initialPhase.im, first) } as const;
          pieces.push({ to: used[w], task, transfer: [task.magnitude, task.re, task.im].flatMap((a) => (a ? [a.buffer as ArrayBuffer] : [])) });
        }
        await this.all(pieces);
      }
      const project = (): Promise<unknown> => this.all(each((w) => ({ type: 'project', s0: sampleCut(w), s1: sampleCut(w + 1) })));
      for (let it = 0; it < iterations; it++) {
        await project();
        await this.all(each((w) => ({ type: 'update', alpha, first: frameCut(w), end: frameCut(w + 1) })));
        options.onIteration?.(it + 1);
      }
      await project();
      const [{ signal }] = await this.all([{ to: keeper, task: { type: 'result' } }]);
      if (!signal) throw new Error('Griffin-Lim worker: no signal in its answer');
      return signal;
    } finally {
      this.workers.forEach((w) => w.worker.unref()); // idle workers do not hold the process open
      this.idleTimer = setTimeout(() => void this.dispose(), IDLE_MS);
      this.idleTimer.unref();
    }
  }

  /**
   * The keeper and the computing workers, all started, with a port from the keeper to each other one. Where one has
   * failed, a new set replaces them all.
   */
  private start(): PoolWorker[] {
    if (this.workers.length > 0 && this.workers.every((w) => !w.failure)) return this.workers;
    for (const w of this.workers) void w.worker.terminate();
    this.workers = Array.from({ length: this.threads + 1 }, spawn);
    const ports = this.workers.slice(1).map((w) => {
      const { port1, port2 } = new MessageChannel();
      w.worker.postMessage({ type: 'keeper', port: port2 } satisfies GriffinLimTask, [port2]);
      return port1;
    });
    this.workers[0].worker.postMessage({ type: 'peers', ports } satisfies GriffinLimTask, ports);
    return this.workers;
  }

  /** Sends each worker its task and waits for all the answers; the first failure is thrown after all have answered. */
  private async all(assignments: Assignment[]): Promise<(GriffinLimReply & { type: 'done' })[]> {
    const answers = await Promise.allSettled(
      assignments.map(
        ({ to, task, transfer = [] }) =>
          new Promise<GriffinLimReply & { type: 'done' }>((resolve, reject) => {
            if (to.failure) return reject(to.failure);
            to.waiting = { resolve, reject };
            to.worker.postMessage(task, transfer);
          }),
      ),
    );
    const failed = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected');
    if (failed) throw failed.reason;
    return answers.map((a) => (a as PromiseFulfilledResult<GriffinLimReply & { type: 'done' }>).value);
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
    else waiting?.resolve(reply);
  };
  worker.on('message', settle);
  worker.on('error', (err) => settle(err instanceof Error ? err : new Error(String(err))));
  worker.on('exit', (code) => settle(new Error(`Griffin-Lim worker stopped (exit code ${code})`)));
  return entry;
}
