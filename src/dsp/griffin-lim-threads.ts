/**
 * Fast Griffin-Lim split over threads, for any host that has workers, MessageChannel and shared memory (Node's worker
 * threads, a browser's Web Workers when the page is cross-origin isolated); the host supplies the threads
 * (GriffinLimThread). Every iteration's inverse STFT is cut into runs of output samples and its forward STFT into runs
 * of frames, one run a thread, on a state in shared memory. Each sample's overlap-add takes its frames in the same
 * order as on one thread, so the result is the same to the bit.
 *
 * Two roles: a keeper thread allocates the state and hands it to the computing threads over ports of their own, so
 * that the calling thread never holds it (its memory goes when the threads stop, not when the caller next collects its
 * garbage); the computing threads each take a share of every half-iteration. serveGriffinLim is a thread's side.
 */
import { loadFastFft } from './fft.js';
import {
  checkMagnitude,
  createGriffinLimState,
  drawPhase,
  fastGriffinLim,
  phaseFromBins,
  projectSamples,
  updatePhaseFrames,
  type GriffinLimOptions,
  type GriffinLimRunner,
  type GriffinLimState,
} from './griffin-lim.js';
import { StftPlan, frameCount } from './stft.js';
import type { HostThread, ThreadEndpoint } from './threads.js';

/** The shared memory of a state, as sent from the keeper to the computing workers. */
type StateBuffers = Record<keyof GriffinLimState, SharedArrayBuffer>;

/** What the pool sends. */
export type GriffinLimTask =
  /** To the keeper, once: a port to each computing worker (no answer). */
  | { type: 'peers'; ports: MessagePort[] }
  /** To a computing worker, once: its port from the keeper (no answer). */
  | { type: 'keeper'; port: MessagePort }
  /**
   * To the keeper: make (or keep) the state for `length` samples, clear the previous projection, draw a random phase
   * unless `phaseGiven`, and hand the state to the first `peers` computing workers as generation `generation`.
   */
  | { type: 'create'; generation: number; nFft: number; hop: number; length: number; seed: number; phaseGiven: boolean; peers: number }
  /** To a computing worker: work on the state of generation `generation` from now on (answered once it has come). */
  | { type: 'attach'; generation: number }
  /** Bins [first, ...) of the magnitude, and of the initial phase where given (their rows, bin-major). */
  | { type: 'load'; first: number; magnitude: Float32Array; re?: Float32Array; im?: Float32Array }
  | { type: 'project'; s0: number; s1: number }
  | { type: 'update'; alpha: number; first: number; end: number }
  /** To the keeper: a copy of the signal, which is then the caller's. */
  | { type: 'result' };

/** What a worker answers. */
export type GriffinLimReply = { type: 'done'; signal?: Float32Array } | { type: 'error'; message: string };

/** What the keeper sends a computing worker. */
interface Handover {
  generation: number;
  nFft: number;
  hop: number;
  /** Samples of the signal, which give the arrays' lengths (their buffers may be longer). */
  length: number;
  buffers: StateBuffers;
}

/** One thread of the pool, as its host makes it (a Node worker thread or a Web Worker). */
export type GriffinLimThread = HostThread<GriffinLimTask, GriffinLimReply>;

/** The side of a thread that the pool talks to: Node's parentPort, or a Web Worker's global scope. */
export type GriffinLimEndpoint = ThreadEndpoint;

/** WebAssembly's pages are 64 KiB; a memory has at most 65536 of them. */
const WASM_PAGE_BYTES = 65536;
const WASM_MAX_PAGES = 65536;

/**
 * `floats` zeroed floats in shared memory, mapped by the engine as a shared WebAssembly memory where it fits (up to
 * 4 GiB an array). Such memory goes back to the system as soon as no thread holds it. A plain SharedArrayBuffer comes
 * from malloc, which here kept a worker's freed state: a 180 s clip stayed 200-300 MB over one thread's RSS after the
 * threads had stopped.
 */
function sharedFloats(floats: number): Float32Array {
  const pages = Math.max(1, Math.ceil((4 * floats) / WASM_PAGE_BYTES));
  if (pages <= WASM_MAX_PAGES) {
    try {
      const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
      return new Float32Array(memory.buffer as unknown as SharedArrayBuffer, 0, floats);
    } catch {
      // An engine may refuse to map it (address space limits): malloc's memory still works.
    }
  }
  return new Float32Array(new SharedArrayBuffer(4 * floats));
}

/**
 * Serves a pool's tasks on this thread, in either role: the keeper (once told its 'peers') or a computing thread (once
 * told its 'keeper'). Tasks are taken in order; those that come before the FFT is loaded wait for it.
 */
export function serveGriffinLim(port: GriffinLimEndpoint): void {
  let plan: StftPlan | null = null;
  let state: GriffinLimState | null = null;
  let peers: MessagePort[] = [];
  /** A computing thread's latest handover, and the 'attach' answer waiting for a later one. */
  let handover: Handover | null = null;
  let waitingFor: { generation: number; answer: () => void } | null = null;
  const planFor = (nFft: number, hop: number): StftPlan => (plan?.nFft === nFft && plan.hop === hop ? plan : (plan = new StftPlan(nFft, hop)));
  /** Floats in each of the state's spectrogram-sized arrays for `length` samples. */
  const spectrogramFloats = (p: StftPlan, length: number): number => p.bins * frameCount(length, p.hop);
  const done = (signal?: Float32Array): void => port.postMessage({ type: 'done', signal } satisfies GriffinLimReply, signal ? [signal.buffer as ArrayBuffer] : []);

  /** Takes the handover's state as this worker's if it is the one waited for, and answers the 'attach'. */
  function attachIfDue(): void {
    if (!handover || !waitingFor || handover.generation < waitingFor.generation) return;
    const { nFft, hop, length, buffers } = handover;
    const size = spectrogramFloats(planFor(nFft, hop), length);
    const view = (buffer: SharedArrayBuffer, floats = size): Float32Array => new Float32Array(buffer, 0, floats);
    state = {
      magnitude: view(buffers.magnitude),
      cos: view(buffers.cos),
      sin: view(buffers.sin),
      previousRe: view(buffers.previousRe),
      previousIm: view(buffers.previousIm),
      signal: view(buffers.signal, length),
    };
    const { answer } = waitingFor;
    waitingFor = null;
    answer();
  }

  function handle(task: GriffinLimTask): void {
    if (task.type === 'peers') {
      peers = task.ports;
      return;
    }
    if (task.type === 'keeper') {
      task.port.addEventListener('message', ({ data }) => {
        handover = data as Handover;
        attachIfDue();
      });
      task.port.start();
      return;
    }
    if (task.type === 'create') {
      const p = planFor(task.nFft, task.hop);
      const size = spectrogramFloats(p, task.length);
      if (state?.cos.length !== size || state.signal.length !== task.length) {
        state = createGriffinLimState(p, sharedFloats(size), task.length, sharedFloats);
      }
      state.previousRe.fill(0);
      state.previousIm.fill(0);
      if (!task.phaseGiven) drawPhase(state, p.bins, task.seed);
      const buffers = Object.fromEntries(Object.entries(state).map(([k, v]) => [k, (v as Float32Array).buffer])) as StateBuffers;
      for (const peer of peers.slice(0, task.peers)) peer.postMessage({ generation: task.generation, nFft: task.nFft, hop: task.hop, length: task.length, buffers } satisfies Handover);
      return done();
    }
    if (task.type === 'attach') {
      waitingFor = { generation: task.generation, answer: () => done() };
      return attachIfDue();
    }
    if (!plan || !state) throw new Error(`griffin-lim-worker: '${task.type}' before 'create' or 'attach'`);
    if (task.type === 'load') {
      const frames = state.cos.length / plan.bins;
      state.magnitude.set(task.magnitude, task.first * frames);
      if (task.re && task.im) phaseFromBins(state, plan.bins, task.re, task.im, task.first);
    } else if (task.type === 'project') {
      projectSamples(plan, state, task.s0, task.s1);
    } else if (task.type === 'update') {
      updatePhaseFrames(plan, state, task.alpha, task.first, task.end);
    } else {
      return done(Float32Array.from(state.signal));
    }
    done();
  }

  let ready: Promise<unknown> = loadFastFft();
  port.addEventListener('message', ({ data }) => {
    const task = data as GriffinLimTask;
    ready = ready.then(() => {
      try {
        handle(task);
      } catch (err) {
        port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies GriffinLimReply, []);
      }
    });
  });
}

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

/** One thread and the answer it owes. */
interface PoolWorker {
  thread: GriffinLimThread;
  waiting: { resolve: (reply: GriffinLimReply & { type: 'done' }) => void; reject: (err: Error) => void } | null;
  failure: Error | null;
}

/** A task for one thread, with the buffers it hands over. */
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

  /**
   * A pool of `threads` computing threads (and a keeper), started with `spawn` at the first run that is long enough to
   * split.
   */
  constructor(
    readonly threads: number,
    private readonly spawn: () => GriffinLimThread,
  ) {
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
    await Promise.all(workers.map((w) => w.thread.terminate()));
  }

  private async runNow(plan: StftPlan, magnitude: Float32Array, options: GriffinLimOptions): Promise<Float32Array> {
    const { iterations, length, initialPhase } = options;
    const frames = frameCount(length, plan.hop);
    const threads = Math.min(this.threads, Math.floor(frames / MIN_FRAMES_PER_THREAD));
    if (threads < 2 || (frames < MIN_FRAMES_TO_START && !this.running())) return fastGriffinLim(plan, magnitude, options);
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
    this.workers.forEach((w) => w.thread.keepAlive?.(true)); // a run in flight keeps the process alive
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
      this.workers.forEach((w) => w.thread.keepAlive?.(false)); // idle threads do not hold the process open
      const timer = setTimeout(() => void this.dispose(), IDLE_MS);
      (timer as { unref?: () => void }).unref?.(); // in Node, nor does the timer
      this.idleTimer = timer;
    }
  }

  /** Whether the threads are up, none of them failed. */
  private running(): boolean {
    return this.workers.length > 0 && this.workers.every((w) => !w.failure);
  }

  /**
   * The keeper and the computing workers, all started, with a port from the keeper to each other one. Where one has
   * failed, a new set replaces them all.
   */
  private start(): PoolWorker[] {
    if (this.running()) return this.workers;
    for (const w of this.workers) void w.thread.terminate();
    this.workers = Array.from({ length: this.threads + 1 }, () => this.started(this.spawn()));
    const ports = this.workers.slice(1).map((w) => {
      const { port1, port2 } = new MessageChannel();
      w.thread.post({ type: 'keeper', port: port2 }, [port2]);
      return port1;
    });
    this.workers[0].thread.post({ type: 'peers', ports }, ports);
    return this.workers;
  }

  /** A thread as the pool keeps it: its answers settle the task it was waiting on, its failure stays with it. */
  private started(thread: GriffinLimThread): PoolWorker {
    const entry: PoolWorker = { thread, waiting: null, failure: null };
    const settle = (reply: GriffinLimReply | Error): void => {
      const waiting = entry.waiting;
      entry.waiting = null;
      if (reply instanceof Error) {
        entry.failure = reply;
        waiting?.reject(reply);
      } else if (reply.type === 'error') waiting?.reject(new Error(`Griffin-Lim worker: ${reply.message}`));
      else waiting?.resolve(reply);
    };
    thread.listen(settle, settle);
    return entry;
  }

  /** Sends each worker its task and waits for all the answers; the first failure is thrown after all have answered. */
  private async all(assignments: Assignment[]): Promise<(GriffinLimReply & { type: 'done' })[]> {
    const answers = await Promise.allSettled(
      assignments.map(
        ({ to, task, transfer = [] }) =>
          new Promise<GriffinLimReply & { type: 'done' }>((resolve, reject) => {
            if (to.failure) return reject(to.failure);
            to.waiting = { resolve, reject };
            to.thread.post(task, transfer);
          }),
      ),
    );
    const failed = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected');
    if (failed) throw failed.reason;
    return answers.map((a) => (a as PromiseFulfilledResult<GriffinLimReply & { type: 'done' }>).value);
  }
}
