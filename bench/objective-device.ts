/**
 * The objective alone on one device: ms per evaluation and the time to open its session, with the inputs that stay the
 * same from run to run (the net's weights, the style's statistics) fed on every run, or copied to the device once
 * (Runtime.residentInputs), for each convolution form. For judging a backend that copies inputs to a GPU (bench/gpu.sh runs it on WebGPU).
 *
 *   npx tsx bench/objective-device.ts [--device webgpu|cpu] [--seconds 10,60] [--evaluations 6]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_SETTINGS, StyleNet, StyleObjective, nodeRuntime, type Device } from '../src/node/index.js';
import type { ConvolutionChoice } from '../src/model/style-net.js';
import { Random } from '../src/dsp/random.js';
import { frameCount } from '../src/dsp/stft.js';

const { values } = parseArgs({
  options: {
    device: { type: 'string', default: 'webgpu' },
    seconds: { type: 'string', default: '10,60' },
    evaluations: { type: 'string', default: '6' },
  },
});
const { sampleRate, hop, nFft, filters, kernel } = DEFAULT_SETTINGS;
const bins = nFft / 2 + 1;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} threads; device ${values.device}; ${filters} filters, kernel ${kernel}`);
console.log('seconds  conv    constants  open s  first ms  ms/eval  loss');
for (const seconds of values.seconds.split(',').map(Number)) {
  const frames = frameCount(Math.round(seconds * sampleRate), hop);
  const rng = new Random(1);
  const spec = (): { data: Float32Array; bins: number; frames: number } => ({
    data: Float32Array.from({ length: bins * frames }, () => 2 * rng.uniform()),
    bins,
    frames,
  });
  const style = spec();
  const x = spec().data;
  for (const conv of ['dft', 'direct'] as ConvolutionChoice[]) {
    for (const constants of ['fed', 'resident'] as const) {
      const runtime = { ...nodeRuntime(0, values.device as Device), residentInputs: constants === 'resident' };
      const net = StyleNet.create(runtime, { bins, filters, kernel }, 3, conv);
      await net.prepare();
      const target = await net.styleTarget(style, frames);
      let t0 = performance.now();
      const objective = await StyleObjective.create(net, { frames, target });
      const open = performance.now() - t0;
      const grad = new Float32Array(x.length);
      const times: number[] = [];
      let loss = NaN;
      for (let i = 0; i < Number(values.evaluations); i++) {
        t0 = performance.now();
        loss = (await objective.evaluate(x, grad)).loss;
        times.push(performance.now() - t0);
      }
      console.log(
        [String(seconds).padEnd(8), conv.padEnd(7), constants.padEnd(10), (open / 1000).toFixed(2).padStart(6),
          times[0].toFixed(0).padStart(9), median(times.slice(1)).toFixed(1).padStart(8), loss.toPrecision(6)].join(' '),
      );
      for (const note of runtime.notes ?? []) console.log(`  note: ${note}`);
      await objective.dispose();
      await net.dispose();
    }
  }
}
