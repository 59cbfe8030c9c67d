/**
 * A worker thread of GriffinLimPool: works on its share of a Griffin-Lim state in shared memory, one half-iteration a
 * message, and answers each with 'done' (or the error's message).
 */
import { parentPort } from 'node:worker_threads';
import { loadFastFft } from '../dsp/fft.js';
import { projectSamples, updatePhaseFrames, type GriffinLimState } from '../dsp/griffin-lim.js';
import { StftPlan } from '../dsp/stft.js';

/** What the pool sends: a new state to work on, or half an iteration on this worker's samples or frames. */
export type GriffinLimTask =
  | { type: 'start'; nFft: number; hop: number; buffers: Record<keyof GriffinLimState, SharedArrayBuffer> }
  | { type: 'project'; s0: number; s1: number }
  | { type: 'update'; alpha: number; first: number; end: number };

/** What a worker answers. */
export type GriffinLimReply = { type: 'done' } | { type: 'error'; message: string };

const port = parentPort;
if (!port) throw new Error('griffin-lim-worker runs as a worker thread of GriffinLimPool');
await loadFastFft();
let plan: StftPlan | null = null;
let state: GriffinLimState | null = null;
port.on('message', (task: GriffinLimTask) => {
  try {
    if (task.type === 'start') {
      if (plan?.nFft !== task.nFft || plan.hop !== task.hop) plan = new StftPlan(task.nFft, task.hop);
      const b = task.buffers;
      const view = (buffer: SharedArrayBuffer): Float32Array => new Float32Array(buffer);
      state = {
        magnitude: view(b.magnitude),
        cos: view(b.cos),
        sin: view(b.sin),
        previousRe: view(b.previousRe),
        previousIm: view(b.previousIm),
        signal: view(b.signal),
      };
    } else if (!plan || !state) {
      throw new Error(`griffin-lim-worker: '${task.type}' before 'start'`);
    } else if (task.type === 'project') {
      projectSamples(plan, state, task.s0, task.s1);
    } else {
      updatePhaseFrames(plan, state, task.alpha, task.first, task.end);
    }
    port.postMessage({ type: 'done' } satisfies GriffinLimReply);
  } catch (err) {
    port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies GriffinLimReply);
  }
});
