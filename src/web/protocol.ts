/** Messages between the page and the transfer worker. Plain data only: they cross postMessage. */
import type { ProgressEvent } from '../pipeline/transfer.js';
import type { TransferSettings } from '../pipeline/settings.js';
import type { RunReport } from '../pipeline/assess.js';
import type { RgbaImage } from '../report/plot.js';
import type { WebBackend } from './capabilities.js';

/** An input file as the page read it. */
export interface FileInput {
  name: string;
  bytes: Uint8Array;
}

/** Page to worker: start a run. Settings are strings or numbers as typed; the core validates them. */
export interface RunMessage {
  type: 'run';
  id: number;
  content?: FileInput;
  style: FileInput;
  settings: Partial<Record<keyof TransferSettings, string | number | number[]>>;
  backend: WebBackend;
  duration?: number;
  mono?: boolean;
  /** Whether to take the held-out quality measures after the run (default true; the CLI's --no-quality is false). */
  quality?: boolean;
  /** The name the page will give the audio it downloads, for the report's `output`. */
  outputName?: string;
}

/**
 * Page to worker: a run with these settings may come soon (its inputs are chosen): make its nets' weights now, while
 * the worker is idle (pipeline/prepare.ts). The worker answers with a PreparedMessage, or nothing when the settings are
 * not valid yet or a run or newer preparation overtook it; a run whose nets differ stops it.
 */
export interface PrepareMessage {
  type: 'prepare';
  id: number;
  settings: RunMessage['settings'];
  backend: WebBackend;
  /** Texture synthesis (no content clip): its defaults apply to the settings not given. */
  texture?: boolean;
  /** Whether the run will take the held-out quality measures, whose nets are then prepared too. */
  quality?: boolean;
}

/** Page to worker: stop the run `id` (the worker answers with an error of kind 'cancelled'). */
export interface CancelMessage {
  type: 'cancel';
  id: number;
}

/** Page to worker: encode the result of run `runId` in another format (the result message carries WAV). */
export interface EncodeMessage {
  type: 'encode';
  id: number;
  runId: number;
  format: 'flac';
}

/** Messages the worker receives. */
export type ToWorker = RunMessage | PrepareMessage | CancelMessage | EncodeMessage;

/** Worker to page: the backend chosen for the run, and why a faster one is not used; sent again if it falls back mid-run. */
export interface BackendMessage {
  type: 'backend';
  id: number;
  label: string;
  notes: string[];
}

/** Worker to page: progress of the run. */
export interface ProgressMessage {
  type: 'progress';
  id: number;
  event: ProgressEvent;
}

/**
 * Worker to page: the finished run, with the WAV file, the report picture and the report (the CLI's `--report` JSON;
 * its warnings include the backend's fallbacks).
 */
export interface ResultMessage {
  type: 'result';
  id: number;
  wav: Uint8Array;
  picture: RgbaImage;
  report: RunReport;
}

/**
 * Worker to page: the run's audio (the WAV the result will carry), sent as soon as it is made when the quality
 * measures follow, so that the page can play it meanwhile (they take about a minute after a 10-minute clip).
 */
export interface AudioMessage {
  type: 'audio';
  id: number;
  wav: Uint8Array;
}

/** Worker to page: the file an EncodeMessage asked for. */
export interface EncodedMessage {
  type: 'encoded';
  id: number;
  format: 'flac';
  bytes: Uint8Array;
}

/** Worker to page: the nets of PrepareMessage `id` are ready for a run; how many, in how long, and whether the heap was grown. */
export interface PreparedMessage {
  type: 'prepared';
  id: number;
  nets: number;
  ms: number;
  grewHeap: boolean;
}

/** Kinds of failure, for the page's wording: bad input, bad setting, not enough resources, cancelled, a bug. */
export type FailureKind = 'input' | 'usage' | 'resource' | 'cancelled' | 'internal';

/** Worker to page: the run (or encoding) failed or was cancelled; `message` is one line for the user. */
export interface ErrorMessage {
  type: 'error';
  id: number;
  kind: FailureKind;
  message: string;
}

/** Messages the page receives. */
export type FromWorker = BackendMessage | ProgressMessage | AudioMessage | ResultMessage | EncodedMessage | PreparedMessage | ErrorMessage;
