/**
 * Where a run's time goes, from its progress events: the analyse stage, the evaluations, L-BFGS's work between them,
 * the later rounds' style passes and objectives, Griffin-Lim between rounds, and the phase stage. The report's
 * "ms an evaluation" is a median and its optimise stage holds all but Griffin-Lim, so a long clip's time is easier to
 * read here.
 *   npx tsx bench/time-split.ts CONTENT STYLE [SETTINGS_JSON]      (CONTENT `none` for a texture, with "duration")
 *   e.g. npx tsx bench/clips.ts 60 && npx tsx bench/time-split.ts out/bench/speech-60s.wav out/bench/plucks-60s.wav '{"device":"webgpu"}'
 *        npx tsx bench/time-split.ts none examples/drums.wav '{"duration":10}'
 */
import type { ProgressEvent } from '../src/node/index.js';
import { content, style, transferFromArgs } from './transfer-args.js';

/** The share of its evaluation that a chunked evaluation's progress event says is done ('evaluation 3: 47%'), or undefined. */
function partDone(event: ProgressEvent | undefined): number | undefined {
  const match = /^evaluation \d+: (\d+)%$/.exec(event?.activity ?? '');
  return match ? Number(match[1]) / 100 : undefined;
}

/** What the time from one progress event to the next was spent on. */
function spentOn(from: ProgressEvent, to: ProgressEvent | undefined): string {
  if (!to) return 'after the last event (the output limiter, the result)';
  if (from.stage !== 'optimise') return `${from.stage} stage`;
  // A long clip's evaluation runs in chunks and says how far it is, as an activity: from there on it is the evaluation.
  if (partDone(from) !== undefined) return 'evaluations';
  const { activity } = from;
  if (activity?.endsWith('phase reconstruction')) return 'Griffin-Lim between rounds, with its STFT';
  if (activity?.includes('style statistics')) return "later rounds' style passes";
  // Where no evaluation reports how far it is (a short clip's), its first evaluation is counted with the objective.
  if (activity?.includes('building the objective')) return "later rounds' objectives (a short clip's: to the end of its first evaluation)";
  if (activity) return activity;
  if (to.stage === 'optimise' && (to.evaluations ?? 0) > (from.evaluations ?? 0)) return 'evaluations';
  return 'L-BFGS between evaluations';
}

const events: { at: number; event: ProgressEvent }[] = [];
const t0 = performance.now();
const result = await transferFromArgs('npx tsx bench/time-split.ts CONTENT|none STYLE [SETTINGS_JSON]', (event) => void events.push({ at: performance.now() - t0, event }));
const end = performance.now() - t0;
const spans = new Map<string, number>(); // milliseconds by what they were spent on
const add = (label: string, ms: number): void => void spans.set(label, (spans.get(label) ?? 0) + ms);
events.forEach(({ at, event }, i) => {
  const next = events[i + 1];
  const ms = (next?.at ?? end) - at;
  const label = spentOn(event, next?.event);
  const first = partDone(next?.event);
  if (first === undefined || label === 'evaluations' || event.stage !== 'optimise') return add(label, ms);
  // The span up to a chunked evaluation's first report of how far it is holds the work before it (L-BFGS's, or an
  // objective's build) and that first share of the evaluation: the share's time is taken at the rate of the rest of
  // the evaluation (to its last report, or to its end, the next event that is not one).
  let last = i + 1;
  while (partDone(events[last + 1]?.event) !== undefined) last++;
  const lastDone = last > i + 1 ? (partDone(events[last].event) as number) : 1;
  const lastAt = last > i + 1 ? events[last].at : (events[last + 1]?.at ?? end);
  const share = lastDone > first ? Math.min(ms, (first * (lastAt - next.at)) / (lastDone - first)) : 0;
  add('evaluations', share);
  add(label, ms - share);
});
const { evaluations, iterations } = result.optimiser;
console.log(`${content} + ${style}: ${(end / 1000).toFixed(2)} s, ${evaluations} evaluations, ${iterations} iterations, median ${result.msPerEvaluation.toFixed(0)} ms an evaluation`);
for (const [label, ms] of [...spans].sort((a, b) => b[1] - a[1])) {
  console.log(`${(ms / 1000).toFixed(2).padStart(8)} s  ${((100 * ms) / end).toFixed(1).padStart(5)}%  ${label}`);
}
process.exit(0);
