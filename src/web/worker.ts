/**
 * The transfer worker's body: runs the core pipeline on onnxruntime-web off the page's thread, streams progress,
 * answers with the WAV and the report picture. The app's worker entry calls startTransferWorker with the URLs of the
 * wasm files its bundler emitted.
 */
import { encodeWav } from '../audio/wav.js';
import { CancelledError, InputError, ResourceError, UsageError } from '../errors.js';
import { assessResult, reportPlotInput } from '../pipeline/assess.js';
import { resolveSettings } from '../pipeline/settings.js';
import { transfer } from '../pipeline/transfer.js';
import { drawReport } from '../report/plot.js';
import type { ErrorMessage, FailureKind, FromWorker, ResultMessage, RunMessage, ToWorker } from './protocol.js';
import { webRuntime, type WasmPaths } from './runtime.js';

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

/** Runs one request and posts its backend, progress and result (or failure). */
async function run(scope: WorkerScope, msg: RunMessage, signal: AbortSignal, wasmPaths?: WasmPaths): Promise<void> {
  // Settings are checked before the runtime starts, so that a bad value is reported at once.
  const settings = resolveSettings(msg.settings);
  const { runtime, label, notes } = await webRuntime({ backend: msg.backend, wasmPaths });
  scope.postMessage({ type: 'backend', id: msg.id, label, notes });
  const result = await transfer(
    runtime,
    { ...settings, content: msg.content, style: msg.style, duration: msg.duration, mono: msg.mono },
    { signal, onProgress: (event) => scope.postMessage({ type: 'progress', id: msg.id, event }) },
  );
  const { written, quality } = await assessResult(runtime, result, { quality: true });
  const wav = await encodeWav(result.channels, result.sampleRate, 'int16');
  const picture = drawReport(reportPlotInput(result, written));
  const reply: ResultMessage = {
    type: 'result',
    id: msg.id,
    wav,
    picture,
    lossHistory: result.lossHistory,
    summary: {
      durationSeconds: result.channels[0].length / result.sampleRate,
      channels: result.channels.length,
      sampleRate: result.sampleRate,
      settings: result.settings,
      timings: result.timings,
      iterations: result.optimiser.iterations,
      evaluations: result.optimiser.evaluations,
      msPerEvaluation: result.msPerEvaluation,
      initialLoss: result.initialLoss,
      finalLoss: result.finalLoss.total,
      spectralConvergenceDb: result.spectralConvergenceDb,
      quality,
      // A fallback that happened while creating sessions (runtime.notes) belongs with the run's own warnings.
      warnings: [...(runtime.notes ?? []), ...result.warnings],
    },
  };
  scope.postMessage(reply, [wav.buffer as ArrayBuffer, picture.data.buffer as ArrayBuffer]);
}

/** Serves run and cancel messages on `scope`, one run at a time (a new run cancels the previous one). */
export function startTransferWorker(scope: WorkerScope, wasmPaths?: WasmPaths): void {
  let current: { id: number; controller: AbortController } | null = null;
  scope.addEventListener('message', (event) => {
    const msg = event.data;
    if (msg.type === 'cancel') {
      if (current?.id === msg.id) current.controller.abort();
      return;
    }
    current?.controller.abort();
    const controller = new AbortController();
    const mine = { id: msg.id, controller };
    current = mine;
    run(scope, msg, controller.signal, wasmPaths)
      .catch((err: unknown) => scope.postMessage(failureOf(err, msg.id)))
      .finally(() => {
        if (current === mine) current = null;
      });
  });
}
