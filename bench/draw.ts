/**
 * Time to draw a net at the defaults (4096 x 1025 x 11 normals, Random.fillNormal) and to prepare it (the draw plus
 * onnxruntime's kernel DFT into the block weights, StyleNet.prepare), a few times each in one process. The same script
 * runs at older commits, so a change to the generator can be compared side by side (check out, run, alternate).
 *   npx tsx bench/draw.ts [REPEATS]
 */
import os from 'node:os';
import { nodeRuntime } from '../src/node/index.js';
import { StyleNet } from '../src/model/style-net.js';
import { Random } from '../src/dsp/random.js';

const repeats = Number(process.argv[2] ?? 5);
const shape = { bins: 1025, filters: 4096, kernel: 11 };
const weights = new Float32Array(shape.filters * shape.bins * shape.kernel);
const ms = (t0: number): string => (performance.now() - t0).toFixed(0);
console.log(`${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} threads, Node ${process.version}`);
const draws: string[] = [];
for (let i = 0; i < repeats; i++) {
  const t0 = performance.now();
  new Random(i).fillNormal(weights, 0.01);
  draws.push(ms(t0));
}
console.log(`draw 46M normals (ms): ${draws.join(' ')}`);
const runtime = nodeRuntime();
const prepares: string[] = [];
for (let i = 0; i < Math.min(repeats, 3); i++) {
  const t0 = performance.now();
  const net = StyleNet.create(runtime, shape, i);
  await net.prepare();
  prepares.push(ms(t0));
  await net.dispose();
}
console.log(`StyleNet.prepare, DFT form (ms): ${prepares.join(' ')}`);
