import { toMono } from '../audio/decode.js';
import { CancelledError } from '../errors.js';
import { StftPlan } from '../dsp/stft.js';
import type { Runtime } from '../model/runtime.js';
import type { LogSpectrogram } from '../model/style-net.js';
import { measureQuality, type QualityReport } from '../quality/measures.js';
import type { PlotInput } from '../report/plot.js';
import type { PeakReport } from './peaks.js';
import type { TransferSettings } from './settings.js';
import { toLogSpectrogram, type ProgressEvent, type StageTimings, type TransferResult } from './transfer.js';

/** What a finished run is judged and pictured by: the written audio's spectrogram and the held-out quality measures. */
export interface Assessment {
  /** Log spectrogram of the output audio as written (channels mixed to mono), not of the optimised magnitude. */
  written: LogSpectrogram;
  /** Held-out quality measures (in texture mode only the style distances: no content); absent when not asked for. */
  quality?: QualityReport;
  /** Milliseconds the assessment took. */
  ms: number;
  /** What the user should know to read the measures (a result measured well below the level it was made at). */
  warnings: string[];
}

/**
 * How far `--peak scale` may lower a result before the summary says that its measures read it as less styled: the
 * bundled example, lowered 5.3 dB, reads 0.329 where the limiter's output reads 0.750, and a drum texture 2 dB down
 * 0.281 where it reads 0.118 (README, Usage).
 */
export const LEVEL_WARNING_DB = 1;

/**
 * Judges a result as the user will hear it: the measures and pictures use the audio after phase reconstruction (mixed
 * to mono), so they include what Griffin-Lim loses. The CLI and the web worker both call this. While it measures,
 * `onProgress` gets the 'assess' stage's start and end (elapsed counted on from the run's total). An aborted `signal`
 * (the run's) stops it with a CancelledError, before it starts or between its held-out nets.
 */
export async function assessResult(
  runtime: Runtime,
  result: TransferResult,
  options: { quality: boolean; onProgress?: (event: ProgressEvent) => void; signal?: AbortSignal },
): Promise<Assessment> {
  const checkCancel = (): void => {
    if (options.signal?.aborted) throw new CancelledError();
  };
  checkCancel();
  const started = performance.now();
  const plan = new StftPlan(result.settings.nFft, result.settings.hop);
  const written = toLogSpectrogram(plan, toMono({ channels: result.channels, sampleRate: result.sampleRate }));
  if (!options.quality) return { written, ms: performance.now() - started, warnings: [] };
  const progress = (step: number): void =>
    options.onProgress?.({ stage: 'assess', step, total: 1, elapsedMs: result.timings.total + performance.now() - started });
  progress(0);
  const specs = { content: result.spectrograms.content, style: result.spectrograms.style, result: written, layout: result.settings };
  const quality = await measureQuality(runtime, specs, undefined, undefined, checkCancel);
  checkCancel();
  progress(1);
  const warnings =
    result.peaks.control === 'scale' && result.peaks.reductionDb >= LEVEL_WARNING_DB
      ? [
          `the quality was measured on the output as written, ${result.peaks.reductionDb.toFixed(1)} dB down (--peak scale): ` +
            'the measures read a quieter result as less styled, so compare runs made with the same --peak',
        ]
      : [];
  return { written, quality, ms: performance.now() - started, warnings };
}

/** The report picture's input: content (if any), style and written result side by side, and the loss curve. */
export function reportPlotInput(result: TransferResult, written: LogSpectrogram): PlotInput {
  const panels = [
    ...(result.spectrograms.content ? [{ title: 'content', spec: result.spectrograms.content }] : []),
    { title: 'style', spec: result.spectrograms.style },
    { title: 'result', spec: written },
  ];
  return { panels, lossHistory: result.lossHistory, roundStarts: result.roundStarts, sampleRate: result.sampleRate, hop: result.settings.hop };
}

/** The JSON report of a run (the CLI's `--report`, the web app's report download): what ran, how it went, how good. */
export interface RunReport {
  /** Where the audio was written (a path, `-` for stdout, or the web app's download name). */
  output: string;
  durationSeconds: number;
  channels: number;
  sampleRate: number;
  /** The content (absent in texture synthesis) and the style as they came in: name, own rate, channels, seconds. */
  inputs: TransferResult['inputs'];
  settings: TransferSettings;
  /** The loss at the start and end (total, style and content terms), after each iteration, and each round's start. */
  loss: { initial: number; final: TransferResult['finalLoss']; history: number[]; roundStarts: number[] };
  optimiser: TransferResult['optimiser'];
  msPerEvaluation: number;
  spectralConvergenceDb: number;
  /** The output's peak before its control, and what the control (`--peak`) did. */
  peaks: PeakReport;
  /** The run's stage timings (total: the run's), and the assessment's after it. */
  timingsMs: StageTimings & { assess: number };
  /** Held-out quality measures (NaN, written null, where they need a content, in texture mode); null when skipped. */
  quality: QualityReport | null;
  warnings: string[];
}

/** A finished run's report, its audio written to `output`, with its assessment. */
export function runReport(r: TransferResult, assessment: Pick<Assessment, 'quality' | 'ms' | 'warnings'>, output: string): RunReport {
  return {
    output,
    durationSeconds: r.channels[0].length / r.sampleRate,
    channels: r.channels.length,
    sampleRate: r.sampleRate,
    inputs: r.inputs,
    settings: r.settings,
    loss: { initial: r.initialLoss, final: r.finalLoss, history: r.lossHistory, roundStarts: r.roundStarts },
    optimiser: r.optimiser,
    msPerEvaluation: r.msPerEvaluation,
    spectralConvergenceDb: r.spectralConvergenceDb,
    peaks: r.peaks,
    timingsMs: { ...r.timings, assess: assessment.ms },
    quality: assessment.quality ?? null,
    warnings: [...r.warnings, ...assessment.warnings],
  };
}
