/**
 * The page's handle on the transfer worker: create it around a Worker, run requests (one at a time), cancel, ask for
 * the last result as FLAC, dispose.
 */
import type { ProgressEvent } from '../pipeline/transfer.js';
import type { AudioMessage, BackendMessage, EncodeMessage, ErrorMessage, FromWorker, PrepareMessage, PreparedMessage, ResultMessage, RunMessage } from './protocol.js';

/** A failed or cancelled run, as the worker described it. */
export class RunFailure extends Error {
  override name = 'RunFailure';
  constructor(readonly failure: ErrorMessage) {
    super(failure.message);
  }
  /** Whether the run was cancelled rather than failed. */
  get cancelled(): boolean {
    return this.failure.kind === 'cancelled';
  }
}

/** Callbacks of one run. */
export interface RunCallbacks {
  onBackend?: (message: BackendMessage) => void;
  onProgress?: (event: ProgressEvent) => void;
  /** The run's audio, before its quality measures (only when they are taken); the result carries it again. */
  onAudio?: (message: AudioMessage) => void;
}

/** Runs transfers in a Web Worker. */
export class TransferClient {
  private nextId = 1;
  private pending: { id: number; resolve: (r: ResultMessage) => void; reject: (e: Error) => void; callbacks: RunCallbacks } | null = null;
  private readonly encodings = new Map<number, { resolve: (bytes: Uint8Array) => void; reject: (e: Error) => void }>();
  private disposed = false;

  constructor(private readonly worker: Worker) {
    worker.addEventListener('message', (event: MessageEvent<FromWorker>) => this.receive(event.data));
    worker.addEventListener('error', (event: ErrorEvent) => this.failAll('internal', `worker failed: ${event.message}`));
  }

  /** Whether a run is in progress. */
  get busy(): boolean {
    return this.pending !== null;
  }

  /** Starts a run; resolves with its result, rejects with a RunFailure (kind 'cancelled' after cancel()). */
  run(request: Omit<RunMessage, 'type' | 'id'>, callbacks: RunCallbacks = {}): Promise<ResultMessage> {
    if (this.disposed) return Promise.reject(new Error('TransferClient used after dispose()'));
    if (this.pending) return Promise.reject(new Error('a run is already in progress; cancel it first'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending = { id, resolve, reject, callbacks };
      // The file bytes are copied, not transferred: the page keeps them for the next run.
      this.worker.postMessage({ ...request, type: 'run', id } satisfies RunMessage);
    });
  }

  /** Called when the worker has prepared the nets of a `prepare` request (with that request's id). */
  onPrepared: ((message: PreparedMessage) => void) | null = null;

  /**
   * Tells the worker that a run with these settings may come soon, so that it makes the run's nets while idle
   * (PrepareMessage). Returns the request's id; onPrepared hears of it when done. Ignored while a run is in progress.
   */
  prepare(request: Omit<PrepareMessage, 'type' | 'id'>): number {
    const id = this.nextId++;
    if (!this.disposed && !this.pending) this.worker.postMessage({ ...request, type: 'prepare', id } satisfies PrepareMessage);
    return id;
  }

  /**
   * The result of run `runId` (a ResultMessage's id) as a FLAC file: 16-bit, the samples of the result's WAV. Only the
   * last finished run's result is held; the encoder is loaded on the first call. Runs beside a transfer in progress.
   */
  encode(runId: number, format: 'flac'): Promise<Uint8Array> {
    if (this.disposed) return Promise.reject(new Error('TransferClient used after dispose()'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.encodings.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'encode', id, runId, format } satisfies EncodeMessage);
    });
  }

  /** Asks the worker to stop the current run (within one optimiser step). */
  cancel(): void {
    if (this.pending) this.worker.postMessage({ type: 'cancel', id: this.pending.id });
  }

  /** Stops the worker for good. */
  dispose(): void {
    this.disposed = true;
    this.failAll('cancelled', 'cancelled');
    this.worker.terminate();
  }

  /** Rejects the run and the encodings in progress: the worker stopped, or is being stopped. */
  private failAll(kind: 'internal' | 'cancelled', message: string): void {
    this.pending?.reject(new RunFailure({ type: 'error', id: this.pending.id, kind, message }));
    this.pending = null;
    for (const [id, e] of this.encodings) e.reject(new RunFailure({ type: 'error', id, kind, message }));
    this.encodings.clear();
  }

  private receive(msg: FromWorker): void {
    const encoding = this.encodings.get(msg.id);
    if (encoding) {
      this.encodings.delete(msg.id);
      if (msg.type === 'encoded') encoding.resolve(msg.bytes);
      else if (msg.type === 'error') encoding.reject(new RunFailure(msg));
      return;
    }
    if (msg.type === 'prepared') {
      this.onPrepared?.(msg);
      return;
    }
    const p = this.pending;
    if (!p || msg.id !== p.id) return; // a late message of a finished run
    if (msg.type === 'backend') p.callbacks.onBackend?.(msg);
    else if (msg.type === 'progress') p.callbacks.onProgress?.(msg.event);
    else if (msg.type === 'audio') p.callbacks.onAudio?.(msg);
    else if (msg.type === 'result' || msg.type === 'error') {
      this.pending = null;
      if (msg.type === 'result') p.resolve(msg);
      else p.reject(new RunFailure(msg));
    }
  }
}
