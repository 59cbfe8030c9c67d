/**
 * Experiment: optimise the waveform itself (through log1p |STFT|, so no phase is guessed) instead of the spectrogram.
 * "polish" continues from the default run's audio; "content" starts from the content's waveform. Prints held-out
 * style gain and content correlation after each block of L-BFGS iterations.
 *   npx tsx bench/waveform.ts speech:plucks polish 5,5,10,20
 *   npx tsx bench/waveform.ts speech:plucks content 10,10,20,40
 */
import { readFileSync } from 'node:fs';
import { transfer, nodeRuntime, StftPlan, StyleNet, StyleObjective, logMagnitude, lbfgs, measureQuality, toLogSpectrogram, decodeAudio, toMono } from '../src/node/index.js';
import { logMagnitudeGradient } from '../src/dsp/log-magnitude-gradient.js';
const [cName, sName] = (process.argv[2] ?? 'speech:plucks').split(':');
const bytes = (n: string) => new Uint8Array(readFileSync(`examples/${n}.wav`));
const runtime = nodeRuntime();
const plan = new StftPlan(2048, 512);
const contentWave = toMono(await decodeAudio(bytes(cName), cName));
const styleWave = toMono(await decodeAudio(bytes(sName), sName));
const contentSpec = toLogSpectrogram(plan, contentWave);
const styleSpec = toLogSpectrogram(plan, styleWave);
const q = async (w: Float32Array) => measureQuality(runtime, { content: contentSpec, style: styleSpec, result: toLogSpectrogram(plan, w) });
const net = StyleNet.create(runtime, { bins: plan.bins, filters: 4096, kernel: 11 }, 0);
const frames = contentSpec.frames;
const obj = await StyleObjective.create(net, { frames, target: await net.styleTarget(styleSpec, frames) });
const L = contentWave.length;
const gS = new Float32Array(plan.bins * frames);
let evals = 0;
const evaluate = async (w: Float32Array, grad: Float32Array): Promise<number> => {
  evals++;
  const spec = plan.forward(w);
  const v = await obj.evaluate(logMagnitude(spec), gS);
  logMagnitudeGradient(plan, spec, gS, L, grad);
  return v.loss;
};
const mode = process.argv[3] ?? 'polish';
const t0 = performance.now();
let wave: Float32Array<ArrayBuffer>;
if (mode === 'polish') {
  // The settings docs/defaults.md's table polished: the defaults before the EQ-matched start.
  const r = await transfer({ content: { bytes: bytes(cName), name: cName }, style: { bytes: bytes(sName), name: sName }, init: 'content', iterations: 20 });
  wave = Float32Array.from(r.channels[0]);
  const q0 = await q(wave);
  console.log(`defaults: gain ${q0.styleGain.toFixed(3)} corr ${q0.contentCorrelation.toFixed(3)} in ${(r.timings.total / 1000).toFixed(1)} s, ${r.optimiser.evaluations} evals`);
} else wave = Float32Array.from(contentWave);
const steps = (process.argv[4] ?? '5,5,10,20').split(',').map(Number);
let done = 0;
for (const k of steps) {
  const r = await lbfgs(evaluate, wave, { iterations: k, historySize: 10 });
  done += k;
  const qq = await q(wave);
  let pk = 0; for (const v of wave) pk = Math.max(pk, Math.abs(v));
  console.log(`${mode} +${done} it (${evals} evals, loss ${r.loss.toExponential(3)}, peak ${pk.toFixed(2)}): gain ${qq.styleGain.toFixed(3)} corr ${qq.contentCorrelation.toFixed(3)}  ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
