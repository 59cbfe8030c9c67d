/**
 * How good the optimise stage's ETA is: after each evaluation, the time the pipeline says is left (remainingMs)
 * and what extrapolating the stage's steps alone says (stageEta), each against the time the stage really took. On a
 * long clip (chunked, past ~95 s) also during the first evaluation, at each tenth of it the pipeline tells (before it
 * ends, extrapolating the steps says nothing).
 *   npx tsx bench/eta-accuracy.ts CONTENT STYLE ['{"roundNets":"same"}']
 *   e.g. (the stereo clip of the README: speech left, reversed speech right)
 *   npx tsx bench/clips.ts 60 && sox out/bench/speech-60s.wav /tmp/rev.wav reverse &&
 *   sox -M out/bench/speech-60s.wav /tmp/rev.wav out/bench/stereo-60s.wav &&
 *   npx tsx bench/eta-accuracy.ts out/bench/stereo-60s.wav out/bench/plucks-60s.wav
 */
import { audioFile } from './clips.js';
import { transfer } from '../src/node/index.js';
import { stageEta } from '../src/pipeline/eta.js';

const [content, style, extra] = process.argv.slice(2);
if (!content || !style) {
  console.error('usage: npx tsx bench/eta-accuracy.ts CONTENT STYLE [SETTINGS_JSON]');
  process.exit(2);
}
const rows: { step: number; elapsed: number; pipeline: number; steps: number }[] = [];
const firstEvaluation: { percent: number; elapsed: number; pipeline: number }[] = [];
let nextTenth = 0;
let start = NaN;
let end = NaN;
await transfer({ content: audioFile(content), style: audioFile(style), ...(extra ? JSON.parse(extra) : {}) }, {
  onProgress: (e) => {
    if (e.stage === 'phase' && Number.isNaN(end)) end = e.elapsedMs;
    if (e.stage !== 'optimise') return;
    if (Number.isNaN(start)) start = e.elapsedMs;
    const partial = /^evaluation 1: (\d+)%$/.exec(e.activity ?? '');
    if (partial && Number(partial[1]) >= nextTenth) {
      firstEvaluation.push({ percent: Number(partial[1]), elapsed: e.elapsedMs, pipeline: e.remainingMs ?? NaN });
      nextTenth = 10 * Math.floor(Number(partial[1]) / 10) + 10;
    }
    if (e.step === 0 || e.activity?.startsWith('evaluation ')) return;
    rows.push({ step: e.step, elapsed: e.elapsedMs, pipeline: e.remainingMs ?? NaN, steps: 1000 * stageEta(start, e.elapsedMs, e.step, e.total) });
  },
});
const error = (estimate: number, elapsed: number): string => `${((100 * (estimate - (end - elapsed))) / (end - elapsed)).toFixed(0)}%`;
console.log(`optimise stage ${((end - start) / 1000).toFixed(1)} s`);
for (const r of firstEvaluation) {
  console.log(
    `eval 1 at ${r.percent}%, ${((r.elapsed - start) / 1000).toFixed(1)} s: left ${((end - r.elapsed) / 1000).toFixed(1)} s; ` +
      `pipeline ${(r.pipeline / 1000).toFixed(1)} s (${error(r.pipeline, r.elapsed)})`,
  );
}
for (const r of rows.slice(0, -1)) {
  console.log(
    `eval ${r.step} at ${((r.elapsed - start) / 1000).toFixed(1)} s: left ${((end - r.elapsed) / 1000).toFixed(1)} s; ` +
      `pipeline ${(r.pipeline / 1000).toFixed(1)} s (${error(r.pipeline, r.elapsed)}), steps ${(r.steps / 1000).toFixed(1)} s (${error(r.steps, r.elapsed)})`,
  );
}
