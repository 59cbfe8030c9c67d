/**
 * The transfer worker's body: runs the core pipeline on onnxruntime-web off the page's thread, streams progress,
 * answers with the WAV and the report picture, and encodes the last result as FLAC on request. The app's worker entry
 * calls startTransferWorker with the URLs of the wasm files and the FLAC encoder script its bundler emitted.
 */
import { encodeWav } from '../audio/wav.js';
import { CancelledError, InputError, ResourceError, UsageError } from '../errors.js';
import { assessResult, reportPlotInput, runReport } from '../pipeline/assess.js';
import { kernelWidths, resolveSettings, type TransferSettings } from '../pipeline/settings.js';
import { prepareNets } from '../pipeline/prepare.js';
import { yieldToEventLoop } from '../pipeline/yield.js';
import { transfer, type ProgressEvent } from '../pipeline/transfer.js';
import { drawReport } from '../report/plot.js';
import type { EncodeMessage, EncodedMessage, ErrorMessage, FailureKind, FromWorker, PrepareMessage, ResultMessage, RunMessage, ToWorker } from './protocol.js';
import { encodeFlacFrom } from './flac.js';
import { fallbackBackend } from './capabilities.js';
import { webRuntime, type WasmPaths } from './runtime.js';
import { webGriffinLimPool } from './griffin-lim.js';
import { webNormalsPool } from './normals.js';
import { MemoryWeightsStore } from '../model/weights-memory.js';
import { WarmUp, warmUpTransfer } from './warm-up.js';
import type { NormalsDrawer } from '../model/weights.js';
import type { GriffinLimRunner } from '../dsp/griffin-lim.js';

/** The part of a worker's global scope used here. */
export interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToWorker>) => void): void;
}

/** Classifies an error for the page: the core's user errors keep their one-line message; anything else is a bug. */
export function failureOf(err: unknown, id: number): ErrorMessage {
  const kind: FailureKind =
    err instanceof CancelledError
      ? 'cancelled'
      : err instanceof InputError
        ? 'input'
        : err instanceof UsageError
          ? 'usage'
          : err instanceof ResourceError
            ? 'resource'
            : 'internal';
  const message = err instanceof Error ? err.message : String(err);
  return { type: 'error', id, kind, message: message.split('\n')[0] };
}

/** Files the worker serves besides onnxruntime's wasm, by URL on the app's own origin. */
export interface WorkerAssets {
  /** libflacjs's asm.js script (libflacjs/dist/libflac.js), for FLAC downloads; without it, FLAC is refused. */
  flacScript?: string;
  /**
   * Makes a Web Worker that runs serveGriffinLim (the app's web/griffin-lim-worker.ts). With it, and a cross-origin
   * isolated page, Griffin-Lim runs on nested workers, one per core up to 8; without, in this worker.
   */
  griffinLimWorker?: () => Worker;
  /**
   * Makes a Web Worker that runs serveNormals (the app's web/normals-worker.ts). With it, on 4 cores or more, the nets'
   * weights are drawn on nested workers, the same values as here; without, in this worker.
   */
  normalsWorker?: () => Worker;
  /**
   * Run a small transfer as the worker starts (warm-up.ts), so that the browser has compiled onnxruntime's hot code
   * to its optimising tier when the first run comes; that run cancels it and starts once it has stopped. The page's
   * first run of 10 s took 15.1-15.6 s so, against 17.8-17.9 s (docs/web-app.md).
   */
  warmUp?: boolean;
}

/** The audio of the last finished run, kept for encoding requests. */
interface KeptResult {
  id: number;
  channels: Float32Array[];
  sampleRate: number;
}

/**
 * The runtime's pause for work stopped by `signal` (Runtime.pause): a turn of the worker's event loop, in which it
 * reads a Cancel, then a CancelledError if one came.
 */
function pauseFor(signal: AbortSignal): () => Promise<void> {
  return async () => {
    await yieldToEventLoop();
    if (signal.aborted) throw new CancelledError();
  };
}

/** Runs one request and posts its backend, progress and result (or failure); returns the audio it posted. */
async function run(
  scope: WorkerScope,
  msg: RunMessage,
  signal: AbortSignal,
  wasmPaths?: WasmPaths,
  griffinLim?: GriffinLimRunner,
  normals?: NormalsDrawer,
  weights?: MemoryWeightsStore,
  waitedMs = 0,
): Promise<KeptResult> {
  // Settings are checked before the runtime starts, so that a bad value is reported at once.
  const settings = resolveSettings(msg.settings, msg.content ? 'transfer' : 'texture');
  const { runtime, label, notes } = await webRuntime({ backend: msg.backend, wasmPaths });
  runtime.pause = pauseFor(signal);
  if (griffinLim) runtime.griffinLim = griffinLim;
  if (normals) runtime.normals = normals;
  if (weights) runtime.weightsStore = weights;
  scope.postMessage({ type: 'backend', id: msg.id, label, notes });
  const startedOn = runtime.executionProviders[0];
  let fellBack = false;
  const onProgress = (event: ProgressEvent): void => {
    const fallback = fellBack ? null : fallbackBackend(startedOn, runtime);
    if (fallback) {
      fellBack = true;
      scope.postMessage({ type: 'backend', id: msg.id, label: fallback.label, notes: [...notes, ...fallback.notes] });
    }
    // From the request's arrival: the page's clock runs on through a wait for the warm-up or the nets.
    scope.postMessage({ type: 'progress', id: msg.id, event: { ...event, elapsedMs: event.elapsedMs + waitedMs } });
  };
  const result = await transfer(
    runtime,
    { ...settings, content: msg.content, style: msg.style, duration: msg.duration, mono: msg.mono },
    { signal, onProgress },
  );
  // Peaks kept past full scale need float samples; otherwise 16-bit, as the command line writes by default.
  const wav = await encodeWav(result.channels, result.sampleRate, result.peaks.control === 'none' ? 'float32' : 'int16');
  const quality = msg.quality ?? true;
  if (quality) {
    const early = wav.slice(); // the result carries the WAV too
    scope.postMessage({ type: 'audio', id: msg.id, wav: early }, [early.buffer as ArrayBuffer]);
  }
  const assessment = await assessResult(runtime, result, { quality, onProgress, signal });
  const { written } = assessment;
  const picture = drawReport(reportPlotInput(result, written));
  const report = runReport(result, assessment, msg.outputName ?? 'restyled.wav');
  // A fallback that happened while creating sessions (runtime.notes) belongs with the run's own warnings.
  report.warnings = [...(runtime.notes ?? []), ...result.warnings, ...assessment.warnings];
  const reply: ResultMessage = { type: 'result', id: msg.id, wav, picture, report };
  scope.postMessage(reply, [wav.buffer as ArrayBuffer, picture.data.buffer as ArrayBuffer]);
  return { id: msg.id, channels: result.channels, sampleRate: result.sampleRate };
}

/**
 * What decides a run's nets (and so the weights prepareNets makes for it): two requests with the same key use the same
 * weights. The backend counts because the weights' store keys name the provider that computed them.
 */
export function netsKey(settings: TransferSettings, backend: string, quality: boolean): string {
  const { filters, seed, convolution, nFft } = settings;
  return JSON.stringify([backend, filters, kernelWidths(settings), seed, convolution, nFft, quality]);
}

/** Settings of a message as the core resolves them, or null when they are not valid (yet: the user is typing). */
function settingsOf(msg: RunMessage | PrepareMessage): TransferSettings | null {
  const texture = msg.type === 'run' ? !msg.content : msg.texture === true;
  try {
    return resolveSettings(msg.settings, texture ? 'texture' : 'transfer');
  } catch {
    return null;
  }
}

/**
 * Makes the nets of a PrepareMessage in the weights store, and tells the page; stops when `control.signal` is aborted,
 * and leaves out what only saves a run time later once `control.hurry()` (a run is waiting for the nets).
 */
async function prepare(
  scope: WorkerScope,
  msg: PrepareMessage,
  settings: TransferSettings,
  control: PreparationControl,
  weights: MemoryWeightsStore,
  wasmPaths?: WasmPaths,
  normals?: NormalsDrawer,
): Promise<void> {
  const { runtime } = await webRuntime({ backend: msg.backend, wasmPaths });
  runtime.pause = pauseFor(control.signal);
  if (normals) runtime.normals = normals;
  runtime.weightsStore = weights;
  weights.beginRun();
  try {
    const { nets, ms, grewHeap } = await prepareNets(runtime, settings, { quality: msg.quality ?? true, ...control });
    scope.postMessage({ type: 'prepared', id: msg.id, nets, ms, grewHeap });
  } finally {
    weights.endRun();
  }
}

/** What a preparation's work is given: its stop signal, and whether a run is waiting for it to end. */
interface PreparationControl {
  signal: AbortSignal;
  hurry: () => boolean;
}

/**
 * The worker's preparations of the next run's nets: one at a time, begun once `after` (the warm-up, which readies the
 * compiled code for the run) has run its course, never in its place. A newer request, or a run for other nets, stops
 * the one under way; a run for the same nets waits for it.
 */
class Preparations {
  private current: { key: string; controller: AbortController; started: boolean; hurry: boolean; done: Promise<void> } | null = null;

  constructor(private readonly after: () => Promise<void> | undefined) {}

  /** Prepares the nets named `key` with `work`, unless that is under way already; failures are the run's to report. */
  request(key: string, work: (control: PreparationControl) => Promise<void>): void {
    if (this.current?.key === key) return;
    const before = this.settle(key).done;
    const controller = new AbortController();
    const mine = { key, controller, started: false, hurry: false, done: Promise.resolve() };
    mine.done = Promise.all([before, this.after()])
      .then(() => {
        if (controller.signal.aborted) return;
        mine.started = true;
        return work({ signal: controller.signal, hurry: () => mine.hurry });
      })
      .catch(() => undefined) // cancelled, or failed: a run, if one comes, reports its own problems
      .finally(() => {
        if (this.current === mine) this.current = null;
      });
    this.current = mine;
  }

  /**
   * Before a run of the nets named `key` (null: settings that name none): stops the preparation under way unless it
   * has begun those nets, which the run would make anyway (it is told to hurry instead). `waits`: whether the run waits
   * for it; `done`: when it has ended either way.
   */
  settle(key: string | null): { waits: boolean; done: Promise<void> } {
    const current = this.current;
    if (!current) return { waits: false, done: Promise.resolve() };
    const waits = current.key === key && current.started;
    if (waits) current.hurry = true;
    else current.controller.abort();
    return { waits, done: current.done };
  }
}

/** Encodes the kept result as the message asks and posts the file. */
async function encode(scope: WorkerScope, msg: EncodeMessage, kept: KeptResult | null, assets: WorkerAssets): Promise<void> {
  // The page offers the download only for the result it shows, which is the last one; anything else is a page bug.
  if (kept?.id !== msg.runId) throw new Error(`run ${msg.runId}'s result is no longer held; run it again to download it as FLAC`);
  if (!assets.flacScript) throw new Error('FLAC is not available here: the worker was started without the encoder script (WorkerAssets.flacScript)');
  const bytes = await encodeFlacFrom(assets.flacScript, kept.channels, kept.sampleRate);
  const reply: EncodedMessage = { type: 'encoded', id: msg.id, format: msg.format, bytes };
  scope.postMessage(reply, [bytes.buffer as ArrayBuffer]);
}

/**
 * Serves run, cancel and encode messages on `scope`, one run at a time (a new run cancels the previous one). The last
 * finished run's audio is kept, so that the page can ask for it in another format.
 */
export function startTransferWorker(scope: WorkerScope, wasmPaths?: WasmPaths, assets: WorkerAssets = {}): void {
  let current: { id: number; controller: AbortController } | null = null;
  let kept: KeptResult | null = null;
  // One pool for all runs: its threads stay up between a run's reconstructions, then stop (and free their memory).
  const griffinLim = assets.griffinLimWorker ? webGriffinLimPool(assets.griffinLimWorker) : null;
  const normals = assets.normalsWorker ? webNormalsPool(assets.normalsWorker) : null;
  // The last run's nets' weights, for a run again with other settings but the same nets (1.6-1.9 s of 15 s at 10 s).
  const weights = new MemoryWeightsStore();
  const warmUp = assets.warmUp ? new WarmUp((signal) => warmUpTransfer(wasmPaths, signal)) : null;
  const preparations = new Preparations(() => warmUp?.finished());
  scope.addEventListener('message', (event) => {
    const msg = event.data;
    if (msg.type === 'cancel') {
      if (current?.id === msg.id) current.controller.abort();
      return;
    }
    if (msg.type === 'encode') {
      encode(scope, msg, kept, assets).catch((err: unknown) => scope.postMessage(failureOf(err, msg.id)));
      return;
    }
    if (msg.type === 'prepare') {
      const settings = settingsOf(msg);
      // A run in progress makes its own nets; settings being typed are not a run's yet.
      if (current || !settings) return;
      preparations.request(netsKey(settings, msg.backend, msg.quality ?? true), (control) =>
        prepare(scope, msg, settings, control, weights, wasmPaths, normals ?? undefined),
      );
      return;
    }
    current?.controller.abort();
    const controller = new AbortController();
    const mine = { id: msg.id, controller };
    current = mine;
    const settings = settingsOf(msg);
    const arrived = performance.now();
    const nets = preparations.settle(settings && netsKey(settings, msg.backend, msg.quality ?? true));
    // Said at once, so that the page does not show "Starting" for the seconds the nets take.
    if (nets.waits) scope.postMessage({ type: 'progress', id: msg.id, event: { stage: 'analyse', step: 0, total: 1, activity: 'making the nets', elapsedMs: 0 } });
    Promise.all([warmUp?.stop(), nets.done])
      .then(() => {
        weights.beginRun();
        return run(scope, msg, controller.signal, wasmPaths, griffinLim?.run, normals ?? undefined, weights, performance.now() - arrived);
      })
      .then((result) => void (kept = result))
      .catch((err: unknown) => scope.postMessage(failureOf(err, msg.id)))
      .finally(() => {
        if (current === mine) {
          current = null;
          weights.endRun();
        }
      });
  });
}
