/**
 * Per-evaluation time of the chunked objective with and without its kept features (FEATURE_CACHE_BYTES), alternating,
 * on one random spectrogram of the given length (default 180 s; a clip must be over ~95 s to be chunked).
 *   npx tsx bench/feature-cache.ts 180
 */
import { nodeRuntime } from '../src/node/index.js';
import { StyleNet } from '../src/model/style-net.js';
import { ChunkedStyleObjective } from '../src/model/objectives.js';
import { Random } from '../src/dsp/random.js';
const seconds = Number(process.argv[2] ?? 180);
const frames = 1 + Math.floor((seconds * 22050) / 512);
const bins = 1025;
const rng = new Random(1);
const spec = (n: number) => ({ data: Float32Array.from({ length: bins * n }, () => 2 * rng.uniform()), bins, frames: n });
const net = StyleNet.create(nodeRuntime(), { bins, filters: 4096, kernel: 11 }, 3);
await net.prepare();
const target = await net.styleTarget(spec(431), frames, 'gram');
const x = spec(frames).data;
const grad = new Float32Array(x.length);
const objectives = { none: await ChunkedStyleObjective.create(net, { frames, target, featureCacheBytes: 0 }), kept: await ChunkedStyleObjective.create(net, { frames, target }) };
const times: Record<string, number[]> = { none: [], kept: [] };
for (let round = 0; round < 4; round++) {
  for (const name of ['none', 'kept'] as const) {
    const t0 = performance.now();
    await objectives[name].evaluate(x, grad);
    times[name].push(performance.now() - t0);
  }
}
for (const [name, t] of Object.entries(times)) console.log(name, t.map((v) => v.toFixed(0)).join(' '), 'median', [...t].sort((a, b) => a - b)[2].toFixed(0));
