/**
 * Quality/time curve: runs the transfer on bundled content/style pairs over a grid of settings and prints, for each,
 * the held-out style gain and content correlation (ALGORITHM.md's measures, on the audio as written), the time, and
 * the gain of the style's own halves to read the gain against, and the content correlation that a full transfer of the
 * style's band statistics would leave (styleBandsCorrelationBound) to read the correlation against.
 * With a rhythm term (--rhythm-weights), it prints the rhythm gain (src/quality/rhythm.ts) too. A pair "-:drums" (written --pairs=-:drums) is
 * texture synthesis (no content) of --duration seconds: its style distance and rhythm distance are printed instead.
 * Used to choose the defaults. Usage: npx tsx bench/quality-curve.ts [--pairs speech:plucks,melody:drums,-:drums]
 *   [--iterations 5,10,20,40] [--content-weights 0,0.01] [--rhythm-weights 0,1] [--duration 8] [--init matched,content] [--phase-iters 32] [--seed 0] [--round-nets vary|same] [--filters 4096] [--kernel 7] [--kernels 3,11,31] [--json out.json]
 *   [--plot curve.png]  (style gain against content correlation, one line per pair and setting, points = iterations)
 *   [--replot rows.json]  (redraw --plot from the rows of an earlier --json, without measuring)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { nodeRuntime, transfer, measureQuality, toLogSpectrogram, StftPlan, peak, encodePng, DEFAULT_SETTINGS, type TransferSettings } from '../src/node/index.js';
import { drawTradeOff } from '../src/report/trade-off.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: 'speech:plucks,speech:drums,melody:drums,melody:plucks' },
    iterations: { type: 'string', default: '5,10,20,40' },
    'content-weights': { type: 'string', default: String(DEFAULT_SETTINGS.contentWeight) },
    'rhythm-weights': { type: 'string', default: String(DEFAULT_SETTINGS.rhythmWeight) },
    duration: { type: 'string', default: '8' },
    'phase-iters': { type: 'string', default: '32' },
    rounds: { type: 'string', default: '1' },
    filters: { type: 'string', default: '4096' },
    kernel: { type: 'string', default: String(DEFAULT_SETTINGS.kernel) },
    kernels: { type: 'string', default: '' },
    init: { type: 'string', default: DEFAULT_SETTINGS.init },
    optimizer: { type: 'string', default: 'lbfgs' },
    seed: { type: 'string', default: '0' },
    'round-nets': { type: 'string', default: DEFAULT_SETTINGS.roundNets },
    'learning-rate': { type: 'string', default: '0.03' },
    json: { type: 'string' },
    plot: { type: 'string' },
    replot: { type: 'string' },
  },
});
const list = (s: string): number[] => s.split(',').map(Number);
const clip = (name: string) => ({ bytes: new Uint8Array(readFileSync(new URL(`../examples/${name}.wav`, import.meta.url))), name });
const runtime = nodeRuntime();
// --replot FILE.json draws --plot from the rows an earlier run saved with --json, without measuring again.
const rows: Record<string, unknown>[] = values.replot ? JSON.parse(readFileSync(values.replot, 'utf8')) : [];
const pairs = values.replot ? [] : values.pairs.split(',');
console.log(`# ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} threads`);
if (!values.replot) {
  console.log(
    'pair, init               cw     rw     iters  evals  phase/rounds  gain(spec) gain(audio)  corr(audio)  SC dB   peak   seconds  style halves  corr bound' +
      '  rhythm gain  rhythm dist  rhythm halves  style dist  replay',
  );
}
for (const pair of pairs) {
  const [c, s] = pair.split(':');
  const texture = c === '-';
  for (const init of values.init.split(',') as TransferSettings['init'][]) for (const contentWeight of list(values['content-weights'])) for (const rhythmWeight of list(values['rhythm-weights'])) {
    for (const phaseIterations of list(values['phase-iters'])) for (const rounds of list(values.rounds)) {
      for (const iterations of list(values.iterations)) {
        const r = await transfer({
          ...(texture ? { duration: Number(values.duration) } : { content: clip(c), contentWeight, init }),
          style: clip(s),
          iterations,
          rhythmWeight,
          phaseIterations,
          rounds,
          filters: Number(values.filters),
          kernel: Number(values.kernel),
          kernels: values.kernels ? values.kernels.split(',').map(Number) : [],
          optimizer: values.optimizer as 'lbfgs' | 'adam',
          learningRate: Number(values['learning-rate']),
          seed: Number(values.seed),
          roundNets: values['round-nets'] as TransferSettings['roundNets'],
        });
        const plan = new StftPlan(r.settings.nFft, r.settings.hop);
        const content = r.spectrograms.content;
        const layout = r.settings;
        const onSpec = await measureQuality(runtime, { content, style: r.spectrograms.style, result: r.spectrograms.result, layout });
        const onAudio = await measureQuality(runtime, { content, style: r.spectrograms.style, result: toLogSpectrogram(plan, r.channels[0]), layout });
        const row = {
          pair,
          init,
          contentWeight,
          rhythmWeight,
          iterations,
          evaluations: r.optimiser.evaluations,
          phaseIterations,
          rounds,
          roundNets: r.settings.roundNets,
          gainSpectrogram: onSpec.styleGain,
          gainAudio: onAudio.styleGain,
          correlationAudio: onAudio.contentCorrelation,
          styleHalvesGain: onAudio.styleHalvesGain,
          styleBandsCorrelationBound: onAudio.styleBandsCorrelationBound,
          rhythmGain: onAudio.rhythmGain,
          rhythmDistance: onAudio.rhythmDistance,
          rhythmDistanceSpectrogram: onSpec.rhythmDistance,
          styleHalvesRhythmDistance: onAudio.styleHalvesRhythmDistance,
          styleDistance: onAudio.styleDistance,
          styleReplayCorrelation: onAudio.styleReplayCorrelation,
          spectralConvergenceDb: r.spectralConvergenceDb,
          peak: peak(r.channels[0]),
          seconds: r.timings.total / 1000,
          msPerEvaluation: r.msPerEvaluation,
        };
        rows.push(row);
        console.log(
          `${`${pair} ${init}`.padEnd(24)} ${String(texture ? '-' : contentWeight).padEnd(6)} ${String(rhythmWeight).padEnd(6)} ${String(iterations).padStart(5)} ${String(row.evaluations).padStart(6)} ${String(phaseIterations).padStart(6)}/${rounds}` +
            `  ${row.gainSpectrogram.toFixed(3).padStart(9)} ${row.gainAudio.toFixed(3).padStart(11)} ${row.correlationAudio.toFixed(3).padStart(12)}` +
            `  ${row.spectralConvergenceDb.toFixed(1).padStart(6)} ${row.peak.toFixed(2).padStart(6)} ${row.seconds.toFixed(1).padStart(9)}` +
            `  ${row.styleHalvesGain.toFixed(3).padStart(13)} ${row.styleBandsCorrelationBound.toFixed(3).padStart(11)}` +
            `  ${row.rhythmGain.toFixed(3).padStart(11)} ${row.rhythmDistance.toFixed(3).padStart(12)} ${row.styleHalvesRhythmDistance.toFixed(3).padStart(14)}` +
            ` ${row.styleDistance.toFixed(3).padStart(11)} ${row.styleReplayCorrelation.toFixed(3).padStart(7)}`,
        );
      }
    }
  }
}
if (values.json) writeFileSync(values.json, JSON.stringify(rows, null, 2));
if (values.plot) {
  // One line per pair (and start, content weight and rounds where several were swept), points by iterations.
  const several = (key: string): boolean => new Set(rows.map((r) => r[key])).size > 1;
  const [severalInits, severalWeights, severalRhythm, severalRounds] = [several('init'), several('contentWeight'), several('rhythmWeight'), several('rounds')];
  const series = new Map<string, { name: string; reference: number; points: { gain: number; correlation: number; label: string; chosen: boolean }[] }>();
  for (const r of rows.filter((row) => Number.isFinite(row.gainAudio))) {
    // The chart's font has no colon: pairs are written "speech + plucks".
    const name = [String(r.pair).replace(':', ' + '), severalInits ? `from ${r.init}` : '', severalWeights ? `cw ${r.contentWeight}` : '', severalRhythm ? `rw ${r.rhythmWeight}` : '', severalRounds ? `${r.rounds} rounds` : '']
      .filter(Boolean)
      .join(', ');
    if (!series.has(name)) series.set(name, { name: String(name), reference: Number(r.styleHalvesGain), points: [] });
    series.get(name)!.points.push({
      gain: Number(r.gainAudio),
      correlation: Number(r.correlationAudio),
      label: `${r.iterations} it, ${Number(r.seconds).toFixed(0)} s`,
      chosen: r.iterations === DEFAULT_SETTINGS.iterations && r.rounds === DEFAULT_SETTINGS.rounds && r.init === DEFAULT_SETTINGS.init && r.contentWeight === DEFAULT_SETTINGS.contentWeight && (r.rhythmWeight ?? 0) === DEFAULT_SETTINGS.rhythmWeight,
    });
  }
  const chosenLegend = `default: ${DEFAULT_SETTINGS.iterations} it, cw ${DEFAULT_SETTINGS.contentWeight}`;
  const image = drawTradeOff({ series: [...series.values()], chosenLegend, target: { gain: 0.95, correlation: 0.85 }, title: `${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} threads` });
  writeFileSync(values.plot, encodePng(image));
  console.log(`wrote ${values.plot}`);
}
