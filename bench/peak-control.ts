/**
 * What the output's peak control does, and what it costs the held-out measures, pair by pair of bundled examples:
 * each at the defaults with `--peak limit` (the default: limited between rounds and at the end) and with `--peak none`
 * (nothing limited), and the `none` result put through the final limiter alone, which shows what a cut of so many dB
 * takes from the measures.
 *   npx tsx bench/peak-control.ts                 (eight pairs, about a minute)
 *   npx tsx bench/peak-control.ts speech+plucks drums+plucks '{"iterations":20}'
 */
import { assessResult, CLIP_PEAK, controlPeaks, type QualityReport, type TransferResult } from '../src/index.js';
import { nodeRuntime, transfer } from '../src/node/index.js';
import { audioFile } from './clips.js';

const args = process.argv.slice(2);
const extra = args.at(-1)?.startsWith('{') ? (JSON.parse(args.pop() as string) as Record<string, unknown>) : {};
const PAIRS = ['speech+plucks', 'speech+drums', 'speech+texture', 'melody+plucks', 'melody+drums', 'melody+texture', 'drums+plucks', 'speech+melody'];
const pairs = (args.length ? args : PAIRS).map((p) => p.split('+'));
const runtime = nodeRuntime(0);

const measures = async (r: TransferResult): Promise<QualityReport> => (await assessResult(runtime, r, { quality: true })).quality as QualityReport;
const figures = (q: QualityReport): string => `${q.styleGain.toFixed(3)} / ${q.contentCorrelation.toFixed(3)}`;
const delta = (a: number, b: number): string => {
  const d = Number((b - a).toFixed(3)) + 0; // + 0: no "-0.000"
  return `${d >= 0 ? '+' : ''}${d.toFixed(3)}`;
};
const example = (name: string): { bytes: Uint8Array; name: string } => audioFile(`examples/${name}.wav`);

console.log(`peak control at the defaults${Object.keys(extra).length ? ` with ${JSON.stringify(extra)}` : ''}; measures: held-out style gain / content correlation`);
console.log('| pair | limit: peak, cut | limit: measures | none: peak | none: measures | none, then the final limiter: cut, measures (change) |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [content, style] of pairs) {
  const limit = await transfer({ ...extra, content: example(content), style: example(style), peakControl: 'limit' });
  const none = await transfer({ ...extra, content: example(content), style: example(style), peakControl: 'none' });
  const [qLimit, qNone] = [await measures(limit), await measures(none)];
  // The final limiter alone, on copies (controlPeaks works in place).
  const cut = controlPeaks(none.channels.map((c) => c.slice()), { peakControl: 'limit', sampleRate: none.sampleRate });
  const qCut = await measures({ ...none, channels: cut.channels });
  const dB = (x: number): string => `${x.toFixed(2)} dB`;
  console.log(
    `| ${content} + ${style} | ${limit.peaks.peak.toFixed(2)}, ${dB(limit.peaks.reductionDb)} | ${figures(qLimit)} | ${none.peaks.peak.toFixed(2)} | ${figures(qNone)} | ` +
      `${none.peaks.peak > CLIP_PEAK ? `${dB(cut.peaks.reductionDb)}, ${figures(qCut)} (${delta(qNone.styleGain, qCut.styleGain)} / ${delta(qNone.contentCorrelation, qCut.contentCorrelation)})` : 'not limited'} |`,
  );
}
