/**
 * Where a run's time goes, from its progress events: the analyse stage, the evaluations, L-BFGS's work between them,
 * the later rounds' style passes and objectives, Griffin-Lim between rounds, and the phase stage. The report's
 * "ms an evaluation" is a median and its optimise stage holds all but Griffin-Lim, so a long clip's time is easier to
 * read here.
 *   npx tsx bench/time-split.ts CONTENT STYLE [SETTINGS_JSON]      (CONTENT `none` for a texture, with "duration")
 *   e.g. npx tsx bench/clips.ts 60 && npx tsx bench/time-split.ts out/bench/speech-60s.wav out/bench/plucks-60s.wav '{"device":"webgpu"}'
 *        npx tsx bench/time-split.ts none examples/drums.wav '{"duration":10}'
 */
import { audioFile } from './clips.js';
import { transfer, type ProgressEvent } from '../src/node/index.js';

const [content, style, extra] = process.argv.slice(2);
if (!content || !style) {
  console.error('usage: npx tsx bench/time-split.ts CONTENT|none STYLE [SETTINGS_JSON]');
  process.exit(2);
}

/** What the time from one progress event to the next was spent on. */
function spentOn(from: ProgressEvent, to: ProgressEvent | undefined): string {
  if (!to) return 'after the last event (the output limiter, the result)';
  if (from.stage !== 'optimise') return `${from.stage} stage`;
  // A chunked evaluation announces its progress as an activity: still the evaluation.
  const activity = from.activity?.startsWith('evaluation ') ? undefined : from.activity;
  if (activity?.endsWith('phase reconstruction')) return 'Griffin-Lim between rounds, with its STFT';
  if (activity?.includes('style statistics')) return "later rounds' style passes";
  if (activity?.includes('building the objective')) return "later rounds' objectives, to the end of their first evaluation";
  if (activity) return activity;
  if (to.stage === 'optimise' && (to.evaluations ?? 0) > (from.evaluations ?? 0)) return 'evaluations';
  return 'L-BFGS between evaluations';
}

const events: { at: number; event: ProgressEvent }[] = [];
const t0 = performance.now();
const result = await transfer({ content: content === 'none' ? undefined : audioFile(content), style: audioFile(style), ...(extra ? JSON.parse(extra) : {}) }, {
  onProgress: (event) => void events.push({ at: performance.now() - t0, event }),
});
const end = performance.now() - t0;
const spans = new Map<string, number>(); // milliseconds by what they were spent on
events.forEach(({ at, event }, i) => {
  const next = events[i + 1];
  const label = spentOn(event, next?.event);
  spans.set(label, (spans.get(label) ?? 0) + (next?.at ?? end) - at);
});
const { evaluations, iterations } = result.optimiser;
console.log(`${content} + ${style}: ${(end / 1000).toFixed(2)} s, ${evaluations} evaluations, ${iterations} iterations, median ${result.msPerEvaluation.toFixed(0)} ms an evaluation`);
for (const [label, ms] of [...spans].sort((a, b) => b[1] - a[1])) {
  console.log(`${(ms / 1000).toFixed(2).padStart(8)} s  ${((100 * ms) / end).toFixed(1).padStart(5)}%  ${label}`);
}
process.exit(0);
