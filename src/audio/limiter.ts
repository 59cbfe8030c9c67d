/** Options of limitPeaks. */
export interface LimiterOptions {
  /** Largest absolute sample allowed in the output. */
  ceiling?: number;
  /** Look-ahead and attack in milliseconds: the gain starts falling this long before a peak (default 2). */
  attackMs?: number;
  /**
   * Time constant in milliseconds of the gain's recovery after a peak (default 10). Short, because a restyled texture
   * has peaks everywhere: at 80 ms the gain never recovered between them (68% of a noise texture's samples turned
   * down, up to 6.8 dB) and the held-out style gain of speech + noise texture fell from 0.966 before the limiter to
   * 0.856; at 10 ms it is 0.932 (docs/defaults.md, "The limiter's timing").
   */
  releaseMs?: number;
  /** Write the limited samples over `channels` (and return them) instead of into new arrays. */
  inPlace?: boolean;
}

/** What the limiter did. */
export interface LimiterResult {
  /** The limited channels. */
  channels: Float32Array[];
  /** Largest gain reduction applied, in dB (0 when nothing was limited). */
  maxReductionDb: number;
  /** Fraction of samples whose gain was reduced by more than 0.1 dB. */
  affectedFraction: number;
}

/**
 * A look-ahead peak limiter: keeps every sample within `ceiling` while leaving the level of everything away from the
 * peaks untouched (scaling the whole clip down would change its spectral statistics, which the style is made of).
 * The gain is the minimum of ceiling/|x| over a window of ±attack around each sample, averaged over the same window
 * (so it is never above the required gain at any sample, and changes smoothly), then allowed to recover only at the
 * release rate. Channels share one gain (driven by the loudest), so a stereo image does not shift.
 *
 * It streams: besides the output it keeps only rings of about 2 x attack samples, so limiting a 10-minute clip costs
 * no more than its output (or nothing, with `inPlace`, which overwrites `channels` and returns them).
 */
export function limitPeaks(channels: Float32Array[], sampleRate: number, options: LimiterOptions = {}): LimiterResult {
  const ceiling = options.ceiling ?? 0.999;
  const L = Math.max(1, Math.round(((options.attackMs ?? 2) * sampleRate) / 1000));
  const release = Math.exp(-1000 / ((options.releaseMs ?? 10) * sampleRate));
  const n = channels[0]?.length ?? 0;
  const out = options.inPlace ? channels : channels.map(() => new Float32Array(n));
  // Sample i's gain needs the window minimum at i + L, which needs the required gain at i + 2L: everything read from
  // `channels` lies ahead of i, so writing sample i in place never changes an input still to be read. Rings of
  // `size` hold the last 2L + 1 required gains (with the deque of their indices) and window minimums.
  const size = 2 * L + 3;
  const required = new Float32Array(size);
  const deque = new Int32Array(size);
  let head = 0; // deque entries are deque[head % size] .. deque[(tail - 1) % size]
  let tail = 0;
  let nextRequired = 0;
  const windowMinOf = (k: number): number => {
    // Drop indices that left the window first, so the ring slots of those still queued are never overwritten.
    while (tail > head && deque[head % size] < k - L) head++;
    const right = Math.min(n - 1, k + L);
    for (; nextRequired <= right; nextRequired++) {
      let a = 0;
      for (const ch of channels) a = Math.max(a, Math.abs(ch[nextRequired]));
      const r = a > ceiling ? ceiling / a : 1;
      required[nextRequired % size] = r;
      while (tail > head && required[deque[(tail - 1) % size] % size] >= r) tail--;
      deque[tail++ % size] = nextRequired;
    }
    return required[deque[head % size] % size];
  };
  // Running sum (float64) of the window minimums over [lo, hi), for the moving average over [i - L, i + L].
  const windowMin = new Float32Array(size);
  let sum = 0;
  let lo = 0;
  let hi = 0;
  let gain = 1;
  let minGain = 1;
  let affected = 0;
  for (let i = 0; i < n; i++) {
    for (; lo < i - L; lo++) sum -= windowMin[lo % size];
    for (const end = Math.min(n, i + L + 1); hi < end; hi++) sum += windowMin[hi % size] = windowMinOf(hi);
    // A window of ones can leave rounding residue in the running sum; the snap to 1 below absorbs it.
    const smooth = sum / (hi - lo);
    // Fall at once to what the look-ahead asks; recover slowly.
    gain = Math.min(smooth, 1 - (1 - gain) * release);
    if (gain > 0.99999) gain = 1; // fully recovered (within 0.0001 dB): leave the samples bit-exact
    for (let c = 0; c < channels.length; c++) out[c][i] = channels[c][i] * gain;
    if (gain < minGain) minGain = gain;
    if (gain < 0.9886) affected++; // 0.1 dB
  }
  return { channels: out, maxReductionDb: minGain < 1 ? -20 * Math.log10(minGain) : 0, affectedFraction: n > 0 ? affected / n : 0 };
}
