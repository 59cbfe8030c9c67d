import { toMono } from '../audio/decode.js';
import { StftPlan } from '../dsp/stft.js';
import type { Runtime } from '../model/runtime.js';
import type { LogSpectrogram } from '../model/style-net.js';
import { measureQuality, type QualityReport } from '../quality/measures.js';
import type { PlotInput } from '../report/plot.js';
import { toLogSpectrogram, type TransferResult } from './transfer.js';

/** What a finished run is judged and pictured by: the written audio's spectrogram and the held-out quality measures. */
export interface Assessment {
  /** Log spectrogram of the output audio as written (channels mixed to mono), not of the optimised magnitude. */
  written: LogSpectrogram;
  /** Held-out quality measures; absent in texture mode (no content) or when not asked for. */
  quality?: QualityReport;
}

/**
 * Judges a result as the user will hear it: the measures and pictures use the audio after phase reconstruction (mixed
 * to mono), so they include what Griffin-Lim loses. The CLI and the web worker both call this.
 */
export async function assessResult(runtime: Runtime, result: TransferResult, options: { quality: boolean }): Promise<Assessment> {
  const plan = new StftPlan(result.settings.nFft, result.settings.hop);
  const written = toLogSpectrogram(plan, toMono({ channels: result.channels, sampleRate: result.sampleRate }));
  const content = result.spectrograms.content;
  const quality = options.quality && content ? await measureQuality(runtime, { content, style: result.spectrograms.style, result: written }) : undefined;
  return { written, quality };
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
