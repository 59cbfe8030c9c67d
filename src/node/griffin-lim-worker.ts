/**
 * A worker thread of GriffinLimPool, in one of two roles. The keeper allocates the Griffin-Lim state in shared memory
 * and hands it to the computing workers over their own ports, so that the main thread never holds it: the state's
 * memory goes when the threads stop, not when the main thread next collects its garbage. The computing workers each
 * take a share of every half-iteration. Each task is answered with 'done' (or the error's message).
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { loadFastFft } from '../dsp/fft.js';
import { createGriffinLimState, drawPhase, phaseFromBins, projectSamples, updatePhaseFrames, type GriffinLimState } from '../dsp/griffin-lim.js';
import { StftPlan, frameCount } from '../dsp/stft.js';

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

const port = parentPort;
if (!port) throw new Error('griffin-lim-worker runs as a worker thread of GriffinLimPool');
await loadFastFft();
let plan: StftPlan | null = null;
let state: GriffinLimState | null = null;
let peers: MessagePort[] = [];
/** A computing worker's latest handover, and the 'attach' answer waiting for a later one. */
let handover: Handover | null = null;
let waitingFor: { generation: number; answer: () => void } | null = null;

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

const planFor = (nFft: number, hop: number): StftPlan => (plan?.nFft === nFft && plan.hop === hop ? plan : (plan = new StftPlan(nFft, hop)));
const done = (signal?: Float32Array): void => port.postMessage({ type: 'done', signal } satisfies GriffinLimReply, signal ? [signal.buffer as ArrayBuffer] : []);

/** Takes the handover's state as this worker's if it is the one waited for, and answers the 'attach'. */
function attachIfDue(): void {
  if (!handover || !waitingFor || handover.generation < waitingFor.generation) return;
  const { nFft, hop, length, buffers } = handover;
  const size = planFor(nFft, hop).bins * frameCount(length, hop);
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
    task.port.on('message', (h: Handover) => {
      handover = h;
      attachIfDue();
    });
    return;
  }
  if (task.type === 'create') {
    const p = planFor(task.nFft, task.hop);
    const size = p.bins * frameCount(task.length, task.hop);
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

port.on('message', (task: GriffinLimTask) => {
  try {
    handle(task);
  } catch (err) {
    port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies GriffinLimReply);
  }
});
