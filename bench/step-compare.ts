/**
 * One loss+gradient evaluation at the defaults, timed in two or more builds of the library (their dist/ folders),
 * alternated in one process: how a change to the graphs moves the step, side by side on the same machine.
 *   npx tsx bench/clips.ts 10 60                      (the looped speech + plucks clips)
 *   git worktree add /tmp/before <commit> && (cd /tmp/before && npm ci && npm run build) && cp -r /tmp/before/dist dist-before
 *   npm run build && npx tsx bench/step-compare.ts 60 7 dist-before dist
 * Environment: KERNEL (7), FILTERS (4096), CONV (auto, dft or direct), RUNTIME=web for onnxruntime-web's
 * WebAssembly in Node on its default threads, STYLE_SECONDS (the style's length, by default the content's: a short clip
 * against a long style takes the Gram form), OBJECTIVE=chunked for a long clip's chunked objective (as a clip over
 * ~95 s runs) whatever the length.
 *   RUNTIME=web npx tsx bench/step-compare.ts 60 3 dist-before dist
 *   STYLE_SECONDS=150 npx tsx bench/step-compare.ts 10 7 dist-before dist
 *   OBJECTIVE=chunked npx tsx bench/step-compare.ts 150 3 dist-before dist
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

type Library = typeof import('../src/node/index.js');
type WebRuntimeModule = typeof import('../src/web/runtime.js');
type ObjectivesModule = typeof import('../src/model/objectives.js');

const [seconds, repsText, ...dirs] = process.argv.slice(2);
if (!seconds || !repsText || dirs.length === 0) {
  console.error('usage: npx tsx bench/step-compare.ts SECONDS REPS DIST_DIR...');
  process.exit(2);
}
const reps = Number(repsText);
const load = <T>(dir: string, file: string): Promise<T> => import(pathToFileURL(path.resolve(dir, file)).href) as Promise<T>;
const libraries = await Promise.all(dirs.map((d) => load<Library>(d, 'node/index.js')));
const webRuntimes = process.env.RUNTIME === 'web' ? await Promise.all(dirs.map((d) => load<WebRuntimeModule>(d, 'web/runtime.js'))) : null;
const objectiveModules = await Promise.all(dirs.map((d) => load<ObjectivesModule>(d, 'model/objectives.js')));
const chunked = process.env.OBJECTIVE === 'chunked';
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function spectrogram(lib: Library, file: string): Promise<ReturnType<Library['toLogSpectrogram']>> {
  const clip = await lib.decodeAudio(new Uint8Array(readFileSync(file)), file);
  return lib.toLogSpectrogram(new lib.StftPlan(2048, 512), await lib.resample(lib.toMono(clip), clip.sampleRate, 22050));
}

const times: number[][] = dirs.map(() => []);
for (let round = 0; round < 2; round++) {
  for (const [i, lib] of libraries.entries()) {
    const runtime = webRuntimes ? (await webRuntimes[i].webRuntime({ backend: 'wasm' })).runtime : lib.nodeRuntime(0);
    const content = await spectrogram(lib, `out/bench/speech-${seconds}s.wav`);
    const style = await spectrogram(lib, `out/bench/plucks-${process.env.STYLE_SECONDS ?? seconds}s.wav`);
    const shape = { bins: content.bins, filters: Number(process.env.FILTERS ?? 4096), kernel: Number(process.env.KERNEL ?? 7) };
    const conv = (process.env.CONV ?? 'auto') as 'auto' | 'dft' | 'direct';
    const net = lib.StyleNet.create(runtime, shape, 0, conv);
    const { ChunkedStyleObjective, StyleObjective } = objectiveModules[i];
    const objective = chunked
      ? await ChunkedStyleObjective.create(net, { frames: content.frames, target: await net.styleTarget(style, content.frames, 'gram') })
      : await StyleObjective.create(net, { frames: content.frames, target: await net.styleTarget(style, content.frames) });
    const grad = new Float32Array(content.data.length);
    await objective.evaluate(content.data, grad); // warm-up
    const t: number[] = [];
    let loss = NaN;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      loss = (await objective.evaluate(content.data, grad)).loss;
      t.push(performance.now() - t0);
    }
    times[i].push(...t);
    console.log(`${dirs[i]}, ${seconds} s, round ${round + 1}: median ${median(t).toFixed(1)} ms (${t.map((x) => x.toFixed(0)).join(' ')}); loss ${loss}`);
    await objective.dispose();
    await net.dispose();
  }
}
for (const [i, d] of dirs.entries()) console.log(`${d}: ${median(times[i]).toFixed(1)} ms an evaluation (median of ${times[i].length})`);
