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

/** The run was cancelled through its AbortSignal. */
export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor(message = 'cancelled') {
    super(message);
  }
}
