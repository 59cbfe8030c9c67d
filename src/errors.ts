/**
 * Errors with a message meant for the user, one line, naming the file or option and the problem.
 * The CLI prints their message without a stack trace and maps them to exit codes.
 */

/** A bad option or argument: the CLI exits 1. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** An input that cannot be used (unreadable, undecodable, too short): the CLI exits 2. */
export class InputError extends Error {
  override name = 'InputError';
  /** Creates an error about `file` (a path or label such as "content"). */
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** The best result so far of a cancelled run (see TransferHooks.partialOnCancel). */
export interface PartialResult {
  /** Audio channels rebuilt from the optimiser's last accepted points. */
  channels: Float32Array[];
  /** Its sample rate. */
  sampleRate: number;
  /** Optimiser iterations done before the cancel. */
  iterations: number;
}

/** The run was cancelled through its AbortSignal; `partial` holds the best result so far when it was asked for. */
export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor(
    message = 'cancelled',
    readonly partial?: PartialResult,
  ) {
    super(message);
  }
}

/** The run would need more memory (or another resource) than there is: the CLI exits 2. */
export class ResourceError extends Error {
  override name = 'ResourceError';
}
