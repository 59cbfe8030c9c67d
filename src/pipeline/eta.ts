/** Time estimates for progress displays, shared by the CLI's bar and the web app's. */

/** Formats seconds as "4.2s" or "3m05s". */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--';
  if (s < 59.95) return `${s.toFixed(1)}s`;
  // Round once, then split: rounding the seconds part alone printed 779.6 s as "12m60s".
  const whole = Math.round(s);
  const m = Math.floor(whole / 60);
  return `${m}m${String(whole - 60 * m).padStart(2, '0')}s`;
}

/** Estimated seconds left in a stage from its progress so far (linear in steps: every step costs the same). */
export function stageEta(stageStartMs: number, nowMs: number, step: number, total: number): number {
  if (step <= 0 || total <= 0) return NaN;
  return (((nowMs - stageStartMs) / step) * (total - step)) / 1000;
}

/** Work of the optimise stage between objective evaluations, of one kind: how much is left and what each costs. */
export interface SideWork {
  /** Times it is still to be done. */
  left: number;
  /** Estimated milliseconds each (the mean of those done so far). */
  msEach: number;
}

/**
 * Estimated milliseconds left in the optimise stage: the time per evaluation so far (time spent optimising, over the
 * evaluations done) times the evaluations left, plus the side work still to come (later rounds' style statistics and
 * objectives, Griffin-Lim between rounds). Extrapolating the stage's steps alone misses that side work until it has
 * happened: 16% short after the first evaluation of a 10-minute run. NaN before the first evaluation.
 */
export function optimiseRemainingMs(optimisingMs: number, evaluationsDone: number, evaluationsLeft: number, side: readonly SideWork[]): number {
  if (evaluationsDone <= 0) return NaN;
  const evaluations = (optimisingMs / evaluationsDone) * Math.max(0, evaluationsLeft);
  return side.reduce((ms, w) => ms + Math.max(0, w.left) * w.msEach, evaluations);
}

/** Seconds left in a stage: the pipeline's own estimate where it gives one (`remainingMs`), else stageEta's. */
export function progressEta(stageStartMs: number, e: { elapsedMs: number; step: number; total: number; remainingMs?: number }): number {
  if (e.remainingMs !== undefined && Number.isFinite(e.remainingMs)) return e.remainingMs / 1000;
  return stageEta(stageStartMs, e.elapsedMs, e.step, e.total);
}

/**
 * The clock a display shows `sinceMs` after an event at `elapsedMs` that gave an ETA of `etaSeconds`: elapsed counts
 * up and the ETA down (not below zero), so that a long stretch of work without events does not look like a hang.
 */
export function clockSince(elapsedMs: number, etaSeconds: number, sinceMs: number): { elapsedMs: number; etaSeconds: number } {
  return { elapsedMs: elapsedMs + sinceMs, etaSeconds: Math.max(0, etaSeconds - sinceMs / 1000) };
}

/** One kind of the optimise stage's side work, for its ETA: how many are left and what those done cost. */
export class SideWorkTally {
  private done = 0;
  private ms = 0;

  /** `left` units of it to do, each estimated at `estimateMs` until one has been timed. */
  constructor(
    private left: number,
    private readonly estimateMs = 0,
  ) {}

  /** Counts `units` done (one, or e.g. the frames a style pass read), which took `ms`. */
  record(ms: number, units = 1): void {
    this.done += units;
    this.ms += ms;
    this.left = Math.max(0, this.left - units);
  }

  /** What is left, for optimiseRemainingMs. */
  get work(): SideWork {
    return { left: this.left, msEach: this.done > 0 ? this.ms / this.done : this.estimateMs };
  }
}
