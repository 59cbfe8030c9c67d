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
