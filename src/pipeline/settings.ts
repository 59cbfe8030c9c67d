import { isPowerOfTwo } from '../dsp/fft.js';
import { UsageError } from '../errors.js';
import { featureFrames } from '../model/shape.js';

/** Every setting of a transfer. Each is also a CLI option (see SETTINGS_HELP). */
export interface TransferSettings {
  /** Working sample rate in Hz; inputs are resampled to it and the output is written at it. */
  sampleRate: number;
  /** FFT size (power of two). */
  nFft: number;
  /** Hop between STFT frames, in samples. */
  hop: number;
  /** Random filters of the style net. */
  filters: number;
  /** Kernel width of the style net, in frames. */
  kernel: number;
  /** Several nets, one per kernel width, their style losses summed (Antognini et al.); empty: one net of `kernel`. */
  kernels: number[];
  /** Seed of the net's weights, the noise initialisation and Griffin-Lim's initial phase. */
  seed: number;
  /**
   * Weight of the content loss (0: style loss only), the same balance at any clip length: Ulyanov & Lebedev's alpha
   * at their 430-frame (10 s) clips, scaled for others by `contentTermWeight`.
   */
  contentWeight: number;
  /**
   * Weight of the rhythm term (0: none): how far each frequency band's onset autocorrelation is from the style's
   * (src/model/rhythm-objective.ts), the same balance with the style term at any --filters.
   */
  rhythmWeight: number;
  /** Optimiser. */
  optimizer: 'lbfgs' | 'adam';
  /** Optimiser iterations. */
  iterations: number;
  /** Adam's step size (L-BFGS ignores it). */
  learningRate: number;
  /**
   * L-BFGS's first step in each round moves no log-magnitude by more than this. The default 0.5 (a factor of 1.65 in
   * magnitude) is the size the line search accepted when left to find it, reached in one evaluation; 0 uses PyTorch's
   * and minFunc's rule min(1, 1/||g||_1), which spends evaluations bracketing a tiny first step (for comparisons).
   */
  firstStep: number;
  /** L-BFGS correction pairs kept (PyTorch's history_size, scipy's maxcor); 0: 10, fewer for very long clips. */
  history: number;
  /**
   * The content's level before analysis: `normalise` brings each channel's peak to CONTENT_PEAK_DBFS (-3 dBFS), so
   * that how loud it was recorded changes nothing; `keep` analyses it as recorded, where a quieter recording keeps less
   * of itself.
   */
  contentLevel: 'normalise' | 'keep';
  /**
   * The style's silent ends: `trim` leaves out a run of silence (60 dB below its peak) longer than a quarter second at its
   * start or end, which would water its statistics down; `keep` analyses the style as given.
   */
  styleSilence: 'trim' | 'keep';
  /** Start from the content's spectrogram EQ-matched to the style's average spectrum, the content as it is, or small noise. */
  init: 'matched' | 'content' | 'noise';
  /** Griffin-Lim iterations (per reconstruction: once per round). */
  phaseIterations: number;
  /** Optimisation rounds; between rounds the spectrogram is replaced by that of Griffin-Lim's audio. */
  rounds: number;
  /** Each round a new random net (the same one reading the bins in a new seeded order), or one net for every round. */
  roundNets: 'vary' | 'same';
  /** Compute threads; 0 uses every core. */
  threads: number;
  /**
   * What to do when the output would clip: a look-ahead peak limiter (keeps the level), scaling the whole clip, or
   * nothing (`none`: samples past full scale are kept, for a 32-bit float file; a 16-bit encoder would clip them).
   */
  peakControl: 'limit' | 'scale' | 'none';
  /** How the net's convolution is computed (same result): DFT blocks where they save work (auto), always, or never. */
  convolution: 'auto' | 'direct' | 'dft';
}

/** The defaults, chosen by measurement on the bundled examples (README and docs/defaults.md, "How the defaults were chosen"). */
export const DEFAULT_SETTINGS: Readonly<TransferSettings> = Object.freeze({
  sampleRate: 22050,
  nFft: 2048,
  hop: 512,
  filters: 4096,
  // 7, not Ulyanov's 11: the same held-out quality on the six bundled pairs (with the content weight below, where 11
  // had 0.05), in ~20% less time at 10 s and half the block form's weights (docs/defaults.md, "The kernel width").
  kernel: 7,
  kernels: [],
  seed: 0,
  contentWeight: 0.075,
  rhythmWeight: 0,
  // The bundled examples' level, which every other default was measured at: a content recorded 20 dB quieter kept
  // 0.70 content correlation instead of 0.85 on speech + plucks (docs/defaults.md, "The content's level").
  contentLevel: 'normalise',
  // A style with 2 s of silence at each end of 4 s of drums gave a result 0.452 style gain from those drums, against
  // 0.690 from the drums alone (docs/defaults.md, "The style's silent ends").
  styleSilence: 'trim',
  optimizer: 'lbfgs',
  iterations: 12,
  learningRate: 0.03,
  firstStep: 0.5,
  history: 0,
  init: 'matched',
  phaseIterations: 8,
  rounds: 3,
  roundNets: 'vary',
  threads: 0,
  peakControl: 'limit',
  convolution: 'auto',
});

/**
 * Texture synthesis's own defaults, where they differ from DEFAULT_SETTINGS. With no content to lose, more iterations
 * only bring the result nearer the style: at 40 a drum texture's held-out style distance is 0.146 against 0.176 at 12,
 * and the plucks pass their own halves' (docs/defaults.md, "Texture synthesis"). There is no content term to weigh. A rhythm term
 * gives a texture its style's pulse, which the Gram term alone leaves out, and 8 rounds (a new net each) bring it
 * nearer the style than 3: against 3 rounds without the term, 4-20 s of plucks and noise come 28-68% nearer their
 * style's rhythm and nearer its Gram statistics too, drums 32-41% nearer its rhythm for 0.004-0.013 more style
 * distance, in 3-27% more time (docs/defaults.md, "Rhythm"). Style transfer has no rhythm term by default (its pulse is the
 * content's) and keeps 3 rounds.
 */
export const TEXTURE_DEFAULTS: Readonly<Partial<TransferSettings>> = Object.freeze({ iterations: 40, contentWeight: 0, rhythmWeight: 1, rounds: 8 });

/** Which defaults apply: style transfer's, or texture synthesis's (no content). */
export type SettingsMode = 'transfer' | 'texture';

/** The defaults of style transfer or of texture synthesis: DEFAULT_SETTINGS, with TEXTURE_DEFAULTS over it for a texture. */
export function defaultSettings(mode: SettingsMode): Readonly<TransferSettings> {
  return mode === 'texture' ? { ...DEFAULT_SETTINGS, ...TEXTURE_DEFAULTS } : DEFAULT_SETTINGS;
}

/**
 * The FFT size and hop a run at `sampleRate` gets when it names neither: DEFAULT_SETTINGS' 2048 and 512 (at 22050 Hz)
 * times the power of two nearest sampleRate / 22050, so that a window and a hop last about as long (93 and 23 ms), a bin
 * spans about as many Hz, and the net's kernel (7 frames, 0.16 s) as many seconds as at the rate the defaults were chosen at. At
 * 44.1 kHz, 4096 / 1024 kept the quality of a 22.05 kHz run below 11 kHz, where 2048 / 512 lost some (melody + plucks
 * 0.685 / 0.850 against 0.584 / 0.760, judged at 22.05 kHz; docs/usage.md, "Full bandwidth").
 */
export function stftDefaults(sampleRate: number): Pick<TransferSettings, 'nFft' | 'hop'> {
  const factor = 2 ** Math.round(Math.log2(sampleRate / DEFAULT_SETTINGS.sampleRate));
  return { nFft: DEFAULT_SETTINGS.nFft * factor, hop: DEFAULT_SETTINGS.hop * factor };
}

/**
 * The output's rate for a summary: "22050 Hz", or "22050 Hz from 48000 Hz" when the content came at another rate and
 * was resampled to --sr (a 48 kHz input loses its top octave there; README, "Full bandwidth").
 */
export function describeRate(sampleRate: number, contentRate: number | undefined): string {
  return `${sampleRate} Hz${contentRate !== undefined && contentRate !== sampleRate ? ` from ${contentRate} Hz` : ''}`;
}

type IntRange = { kind: 'int'; min: number; max: number };
type NumRange = { kind: 'number'; min: number; max: number };
type Choice = { kind: 'choice'; values: readonly string[] };
type IntList = { kind: 'intList'; min: number; max: number; maxLength: number };

/** Valid values of each setting, used for validation and for --help. */
export const SETTING_RANGES: Record<keyof TransferSettings, IntRange | NumRange | Choice | IntList> = {
  sampleRate: { kind: 'int', min: 4000, max: 192000 },
  nFft: { kind: 'int', min: 64, max: 16384 },
  hop: { kind: 'int', min: 16, max: 16384 },
  filters: { kind: 'int', min: 1, max: 16384 },
  kernel: { kind: 'int', min: 1, max: 255 },
  kernels: { kind: 'intList', min: 1, max: 255, maxLength: 4 },
  seed: { kind: 'int', min: 0, max: 2 ** 32 - 1 },
  contentWeight: { kind: 'number', min: 0, max: 1e6 },
  rhythmWeight: { kind: 'number', min: 0, max: 1e6 },
  contentLevel: { kind: 'choice', values: ['normalise', 'keep'] },
  styleSilence: { kind: 'choice', values: ['trim', 'keep'] },
  optimizer: { kind: 'choice', values: ['lbfgs', 'adam'] },
  iterations: { kind: 'int', min: 0, max: 100000 },
  learningRate: { kind: 'number', min: 1e-6, max: 10 },
  firstStep: { kind: 'number', min: 0, max: 100 },
  history: { kind: 'int', min: 0, max: 1000 },
  init: { kind: 'choice', values: ['matched', 'content', 'noise'] },
  phaseIterations: { kind: 'int', min: 0, max: 10000 },
  rounds: { kind: 'int', min: 1, max: 100 },
  roundNets: { kind: 'choice', values: ['vary', 'same'] },
  threads: { kind: 'int', min: 0, max: 1024 },
  peakControl: { kind: 'choice', values: ['limit', 'scale', 'none'] },
  convolution: { kind: 'choice', values: ['auto', 'direct', 'dft'] },
};

/** The CLI spelling of each setting (short where the sox/librosa tradition is: --sr, --phase-iters). */
export const OPTION_NAMES: Record<keyof TransferSettings, string> = {
  sampleRate: '--sr',
  nFft: '--n-fft',
  hop: '--hop',
  filters: '--filters',
  kernel: '--kernel',
  kernels: '--kernels',
  seed: '--seed',
  contentWeight: '--content-weight',
  rhythmWeight: '--rhythm-weight',
  contentLevel: '--content-level',
  styleSilence: '--style-silence',
  optimizer: '--optimizer',
  iterations: '--iterations',
  learningRate: '--learning-rate',
  firstStep: '--first-step',
  history: '--history',
  init: '--init',
  phaseIterations: '--phase-iters',
  rounds: '--rounds',
  roundNets: '--round-nets',
  threads: '--threads',
  peakControl: '--peak',
  convolution: '--conv',
};

/** One line of help per setting, for --help and the README's options table. */
export const SETTING_HELP: Record<keyof TransferSettings, string> = {
  sampleRate: 'working and output sample rate in Hz; 44100 or 48000 keeps 11-22 kHz, at up to twice the time',
  nFft: 'FFT size (power of two)',
  hop: 'hop between STFT frames in samples',
  filters: 'random filters in the style net',
  kernel: 'kernel width of the style net in frames',
  kernels: 'several nets, one per kernel width (e.g. 3,11,31), style losses summed; replaces --kernel',
  seed: 'random seed (net weights, noise, initial phase)',
  contentWeight: 'weight of the content loss, the same at any length (0 = style loss only)',
  rhythmWeight: "weight of the rhythm term: each band's onset spacing held to the style's (0 = none)",
  contentLevel: 'normalise (the content brought to a -3 dBFS peak first: its recording level changes nothing) or keep (as recorded)',
  styleSilence: "trim (leave out silence over 0.25 s at the style's start and end) or keep (analyse the style as given)",
  optimizer: 'optimiser: lbfgs or adam',
  iterations: 'optimiser iterations',
  learningRate: "Adam's step size",
  firstStep: "L-BFGS's first step per round: largest log-magnitude change (0 = PyTorch's rule)",
  history: 'L-BFGS correction pairs kept (0 = auto: 10, fewer for very long clips)',
  init: "start from: matched (content EQ'd to the style's mean spectrum; fills silent pauses), content (keeps them silent), noise",
  phaseIterations: 'fast Griffin-Lim iterations per reconstruction',
  rounds: 'optimisation rounds, with a phase reconstruction between rounds',
  roundNets: 'vary: a new random net each round (more style at the same cost); same: one net for all rounds',
  threads: 'compute threads (0 = all cores)',
  peakControl: 'on clipping: limit (look-ahead limiter), scale (whole clip) or none (keep peaks past full scale, in 32-bit float)',
  convolution: 'convolution: auto (DFT blocks at kernel >= 5: faster, more memory), direct, dft',
};

/** A setting's value as typed on the command line or in a form: lists comma-separated ("" for an empty one). */
export function formatSetting(value: TransferSettings[keyof TransferSettings]): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/**
 * A setting's default as shown by --help and the README ("" for an empty list), with texture synthesis's if other, and
 * for the FFT size and hop, how they follow --sr (stftDefaults).
 */
export function displayDefault(key: keyof TransferSettings): string {
  const texture = TEXTURE_DEFAULTS[key];
  const shown = formatSetting(DEFAULT_SETTINGS[key]) + (texture === undefined ? '' : `; ${formatSetting(texture)} with --duration`);
  if (key !== 'nFft' && key !== 'hop') return shown;
  return `${shown}; ${stftDefaults(44100)[key]} at --sr 44100${key === 'hop' ? ', at most --n-fft / 2' : ''}`;
}

/** The kernel widths of the nets a run uses: `kernels` when given, else the one `kernel`. */
export function kernelWidths(settings: TransferSettings): number[] {
  return settings.kernels.length > 0 ? settings.kernels : [settings.kernel];
}

/** The CLI spelling of a setting, e.g. nFft -> --n-fft. */
export function optionName(key: keyof TransferSettings): string {
  return OPTION_NAMES[key];
}

/** Describes a setting's valid values, e.g. "an integer in [1, 16384]". */
export function describeRange(key: keyof TransferSettings): string {
  const r = SETTING_RANGES[key];
  if (r.kind === 'choice') return `one of ${r.values.join(', ')}`;
  if (r.kind === 'intList') return `a comma-separated list of at most ${r.maxLength} integers in [${r.min}, ${r.max}]`;
  return `${r.kind === 'int' ? 'an integer' : 'a number'} in [${r.min}, ${r.max}]`;
}

/**
 * Fills in the defaults of `mode` (the FFT size and hop scaled to the sample rate, stftDefaults) and checks every
 * setting, throwing a UsageError that names the option, the bad value and the valid range. Unknown keys are rejected
 * too: a typo must not silently fall back to a default.
 */
export function resolveSettings(partial: Partial<Record<keyof TransferSettings, unknown>> = {}, mode: SettingsMode = 'transfer'): TransferSettings {
  const out: Record<string, unknown> = { ...defaultSettings(mode) };
  for (const [key, value] of Object.entries(partial)) {
    if (value === undefined) continue;
    if (!(key in SETTING_RANGES)) throw new UsageError(`unknown setting '${key}'`);
    const k = key as keyof TransferSettings;
    const range = SETTING_RANGES[k];
    const bad = (): never => {
      throw new UsageError(`${optionName(k)} ${String(value)}: must be ${describeRange(k)}`);
    };
    if (range.kind === 'choice') {
      if (typeof value !== 'string' || !range.values.includes(value)) bad();
      out[k] = value;
    } else if (range.kind === 'intList') {
      const items = Array.isArray(value) ? value : typeof value === 'string' ? (value.trim() === '' ? [] : value.split(',').map((v) => Number(v.trim()))) : bad();
      if (items.length > range.maxLength || items.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < range.min || v > range.max)) bad();
      out[k] = items;
    } else {
      const num = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof num !== 'number' || !Number.isFinite(num) || num < range.min || num > range.max) bad();
      if (range.kind === 'int' && !Number.isInteger(num)) bad();
      out[k] = num;
    }
  }
  const s = out as unknown as TransferSettings;
  const scaled = stftDefaults(s.sampleRate);
  if (partial.nFft === undefined) s.nFft = scaled.nFft;
  // A hop past half the window would leave gaps that no window overlaps twice, which Griffin-Lim cannot rebuild.
  if (partial.hop === undefined) s.hop = Math.min(scaled.hop, s.nFft / 2);
  if (!isPowerOfTwo(s.nFft)) throw new UsageError(`--n-fft ${s.nFft}: must be a power of two (e.g. 1024, 2048, 4096)`);
  if (s.hop > s.nFft) throw new UsageError(`--hop ${s.hop}: must not exceed --n-fft ${s.nFft}`);
  return s;
}

/** The optimiser iterations of each round: the iterations split as evenly as they go, at most one round per iteration. */
export function iterationsPerRound(settings: Pick<TransferSettings, 'iterations' | 'rounds'>): number[] {
  const rounds = Math.max(1, Math.min(settings.rounds, settings.iterations));
  return Array.from({ length: rounds }, (_, r) => Math.floor(settings.iterations / rounds) + (r < settings.iterations % rounds ? 1 : 0));
}

/** Spectrogram frames at which `contentWeight` is Ulyanov & Lebedev's alpha: their recipe cuts the content to 430. */
export const CONTENT_WEIGHT_REFERENCE_FRAMES = 430;

/**
 * The factor of the content term `sum((F - P)^2)` for a content of `frames` frames and a net of width `kernel`. That
 * sum grows with the clip's length while the Gram term, a mean over frames, does not, so a fixed alpha would hold a
 * 60 s clip 6x harder to its content than a 10 s one; scaling it by reference/actual feature frames keeps the balance,
 * and so what a weight tuned on an excerpt does, the same at any length.
 */
export function contentTermWeight(contentWeight: number, frames: number, kernel: number): number {
  return (contentWeight * featureFrames(CONTENT_WEIGHT_REFERENCE_FRAMES, kernel)) / featureFrames(frames, kernel);
}
