/**
 * `npm run bench`: this project against the PyTorch implementation of the same algorithm (bench/torch_reference.py),
 * side by side in one run on the same inputs and machine. Prints the machine, then per clip length: median ms per
 * loss+gradient step and its GFLOP/s next to a bare Conv forward of the same size, end-to-end time (decode to WAV
 * written), peak RSS, and the quality measures of both outputs; and the ratios. Writes bench/results/<date>.json.
 *
 *   npm run bench -- [--sizes 10,60,600] [--torch-e2e-sizes 10] [--torch-step-sizes 10,60] [--torch-steps 300]
 *                    [--torch-optimizer lbfgs|adam] [--skip-torch] [--step-reps 5]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import {
  DEFAULT_SETTINGS, StyleNet, StyleObjective, nodeRuntime, type LogSpectrogram, type QualityReport,
} from '../src/node/index.js';
import { GraphBuilder } from '../src/model/onnx-graph.js';
import { chooseStyleMode, featureFrames, gramExpansion } from '../src/model/graphs.js';
import { blockCount, type BlockPlan } from '../src/model/spectral-conv.js';
import { createSession, floatTensor } from '../src/model/runtime.js';
import { fileLogSpectrogram, fileQuality, settle, writeBenchClips } from './clips.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,60' },
    'torch-e2e-sizes': { type: 'string', default: '10' },
    'torch-step-sizes': { type: 'string', default: '10,60' },
    'torch-steps': { type: 'string', default: '300' },
    'torch-optimizer': { type: 'string', default: 'lbfgs' },
    'skip-torch': { type: 'boolean', default: false },
    'step-reps': { type: 'string', default: '5' },
  },
});
const list = (s: string): number[] => (s ? s.split(',').map(Number) : []);
const threads = os.availableParallelism();
const runtime = nodeRuntime(threads);
const settings = DEFAULT_SETTINGS;
const reps = Number(values['step-reps']);
const PYTHON = '/usr/bin/python3';
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Floating-point operations of the Gram terms over `cols` feature columns against Tsf style frames, in the form ours takes. */
function gramTermFlops(N: number, Tf: number, Tsf: number, cols = Tf): number {
  if (chooseStyleMode(N, Tf, Tsf) === 'kernel') return 4 * N * cols * (cols + Tsf);
  return gramExpansion(N, cols) === 'frames' ? 4 * N * cols * cols + 2 * N * N * cols : 4 * N * N * cols;
}

/** Floating-point operations (2 per multiply-add) of one loss+gradient evaluation: ours, which picks the cheaper Gram
 * form, and PyTorch's, which forms the N x N Gram (F F^T, then (G - A) F in the backward pass). */
function stepFlops(C: number, N: number, K: number, T: number, Ts: number): { step: number; torchStep: number; conv: number } {
  const Tf = featureFrames(T, K);
  const Tsf = featureFrames(Ts, K);
  const conv = 2 * N * C * K * Tf;
  const grad = 2 * N * C * K * T;
  const gramTerms = gramTermFlops(N, Tf, Tsf);
  return { step: conv + grad + gramTerms, torchStep: conv + grad + 4 * N * N * Tf, conv };
}

/**
 * Floating-point operations the DFT-block form actually performs per step: the real products forward and back
 * (Q of N x C times C x B, twice), the blocks' DFTs and the inverse, and the same Gram terms.
 */
function blockStepFlops(plan: BlockPlan, C: number, N: number, T: number, Ts: number): number {
  const K = plan.kernel;
  const Tf = featureFrames(T, K);
  const B = blockCount(plan, Tf);
  const cols = B * plan.hop;
  const products = 2 * (2 * plan.slots * N * C * B);
  const dfts = 2 * (2 * C * B * plan.length * plan.slots + 2 * N * B * plan.slots * plan.hop);
  const gramTerms = gramTermFlops(N, Tf, featureFrames(Ts, K), cols);
  return products + dfts + gramTerms;
}

/** Median ms of one loss+gradient evaluation of `net`'s objective on the content. */
async function stepMs(net: StyleNet, content: LogSpectrogram, style: LogSpectrogram): Promise<{ ms: number; mode: string }> {
  const target = await net.styleTarget(style, content.frames);
  const objective = await StyleObjective.create(net, { frames: content.frames, target });
  const grad = new Float32Array(content.data.length);
  const times: number[] = [];
  await objective.evaluate(content.data, grad); // warm-up
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await objective.evaluate(content.data, grad);
    times.push(performance.now() - t0);
  }
  await objective.dispose();
  return { ms: median(times), mode: target.mode };
}

/**
 * Median ms of our loss+gradient step (the default convolution, DFT blocks at K = 11; and onnxruntime's Conv), and of
 * a bare Conv forward of the same size, measured back to back.
 */
async function ourStep(
  content: LogSpectrogram,
  style: LogSpectrogram,
): Promise<{ stepMs: number; directStepMs: number; convMs: number; mode: string; conv: string; actualFlops: number | null }> {
  const shape = { bins: content.bins, filters: settings.filters, kernel: settings.kernel };
  const net = StyleNet.create(runtime, shape, 0);
  const step = await stepMs(net, content, style);
  await net.dispose();
  const directNet = StyleNet.create(runtime, shape, 0, 'direct');
  const direct = await stepMs(directNet, content, style);
  const g = new GraphBuilder('conv');
  const x = g.input('spec', [1, content.bins, content.frames]);
  const w = g.input('weights', [settings.filters, content.bins, settings.kernel]);
  g.op('Conv', [x, w], { kernel_shape: [settings.kernel] }, 'y');
  g.output('y', [1, settings.filters, featureFrames(content.frames, settings.kernel)]);
  const session = await createSession(runtime, g.toBytes());
  const feeds = { spec: floatTensor(runtime, content.data, [1, content.bins, content.frames]), weights: directNet.weightsInput() };
  await session.run(feeds);
  const convTimes: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    convTimes.push(performance.now() - t0);
  }
  await session.release();
  await directNet.dispose();
  const conv = net.conv ? `DFT blocks of ${net.conv.length}` : 'Conv';
  const actualFlops = net.conv ? blockStepFlops(net.conv, content.bins, settings.filters, content.frames, style.frames) : null;
  return { stepMs: step.ms, directStepMs: direct.ms, convMs: median(convTimes), mode: step.mode, conv, actualFlops };
}

/** Runs a command, returning its wall time, peak RSS (MB, from GNU time) and stdout. */
function timed(cmd: string, args: string[], env: Record<string, string> = {}): { ms: number; rssMb: number | null; stdout: string; stderr: string; code: number | null } {
  const t0 = performance.now();
  const options = { encoding: 'utf8' as const, maxBuffer: 1 << 26, env: { ...process.env, ...env } };
  const r = TIME ? spawnSync(TIME, ['-f', 'RSS_KB=%M', cmd, ...args], options) : spawnSync(cmd, args, options);
  const ms = performance.now() - t0;
  const m = /RSS_KB=(\d+)/.exec(r.stderr ?? '');
  return { ms, rssMb: m ? Number(m[1]) / 1024 : null, stdout: r.stdout, stderr: r.stderr, code: r.status };
}

const quality = (contentPath: string, stylePath: string, outPath: string): Promise<QualityReport> => fileQuality(runtime, contentPath, stylePath, outPath);

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const machine = `${cpu}, ${os.cpus().length} cores, ${threads} threads for both, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`;
console.log(`# machine: ${machine}; node ${process.version}`);
let torchOk = !values['skip-torch'];
if (torchOk) {
  const setup = spawnSync('bash', [new URL('./setup.sh', import.meta.url).pathname], { encoding: 'utf8' });
  if (setup.status !== 0) {
    console.log(`# PyTorch side skipped: bench/setup.sh failed (${setup.stderr.trim().split('\n').pop()})`);
    torchOk = false;
  } else console.log(`# ${setup.stdout.trim()} (CPU, OpenBLAS, ${threads} threads)`);
}
mkdirSync('out/bench', { recursive: true });
const results: Record<string, unknown>[] = [];
for (const clip of await writeBenchClips(list(values.sizes))) {
  const s = clip.seconds;
  const content = await fileLogSpectrogram(clip.content);
  const style = await fileLogSpectrogram(clip.style);
  const flops = stepFlops(content.bins, settings.filters, settings.kernel, content.frames, style.frames);
  const row: Record<string, unknown> = { seconds: s, frames: content.frames };
  const step = await ourStep(content, style);
  Object.assign(row, {
    oursStepMs: step.stepMs,
    oursStepGflops: flops.step / step.stepMs / 1e6,
    oursConvForm: step.conv,
    oursStepActualGflops: step.actualFlops === null ? null : step.actualFlops / step.stepMs / 1e6,
    oursDirectStepMs: step.directStepMs,
    oursDirectStepGflops: flops.step / step.directStepMs / 1e6,
    convMs: step.convMs,
    convGflops: flops.conv / step.convMs / 1e6,
    gramForm: step.mode,
  });
  // GFLOP/s are counted as the direct convolution's operations in every column, so that they compare as speeds:
  // the DFT-block form does ~3.6x fewer operations for the same result.
  console.log(
    `${s} s: our step ${step.stepMs.toFixed(0)} ms (${(row.oursStepGflops as number).toFixed(0)} GFLOP/s direct-equivalent` +
      `${step.actualFlops === null ? '' : `, ${(step.actualFlops / 1e9).toFixed(1)} GFLOP done at ${(row.oursStepActualGflops as number).toFixed(0)} GFLOP/s`}, ${step.conv}, ${step.mode} Gram form); ` +
      `with onnxruntime's Conv ${step.directStepMs.toFixed(0)} ms (${(row.oursDirectStepGflops as number).toFixed(0)} GFLOP/s); ` +
      `bare Conv forward ${step.convMs.toFixed(0)} ms (${(row.convGflops as number).toFixed(0)} GFLOP/s): step at ${((100 * (row.oursStepGflops as number)) / (row.convGflops as number)).toFixed(0)}% of the Conv's rate`,
  );
  const ourOut = `out/bench/ours-${s}s.wav`;
  // A first run, which makes its nets' weights as PyTorch does (--no-cache); then, apart, a run that reads them from
  // the disk cache, as every later run with the same seed and sizes does (the first of the two fills the cache).
  const ourArgs = ['dist/cli/main.js', clip.content, clip.style, '-o', ourOut, '-y', '-q', '--report', `out/bench/ours-${s}s.json`];
  // runUntimed's untimed first run (bench/clips.ts), here through timed() like the run it goes before: with a plain
  // spawn instead, the timed run took 6.6-7.7 s against 6.1-6.8 s (10 s, four and three bench runs, alternated).
  timed(process.execPath, [...ourArgs, '--no-cache']);
  await settle();
  const ours = timed(process.execPath, [...ourArgs, '--no-cache']);
  if (ours.code !== 0) throw new Error(`our run failed: ${ours.stderr}`);
  const ourReport = JSON.parse(readFileSync(`out/bench/ours-${s}s.json`, 'utf8'));
  const ourQuality = await quality(clip.content, clip.style, ourOut);
  const cache = { RESTYLE_CACHE_DIR: 'out/bench/weights-cache' };
  timed(process.execPath, ourArgs, cache); // untimed, as above; and fills the cache
  await settle();
  const cached = timed(process.execPath, ourArgs, cache);
  Object.assign(row, {
    oursTotalMs: ours.ms, oursRssMb: ours.rssMb, oursPhaseMs: ourReport.timingsMs.phase, oursQuality: ourQuality, oursEvaluations: ourReport.optimiser.evaluations,
    oursCachedTotalMs: cached.code === 0 ? cached.ms : null,
  });
  console.log(
    `${s} s: ours end to end ${(ours.ms / 1000).toFixed(1)} s (phase ${((100 * ourReport.timingsMs.phase) / ours.ms).toFixed(0)}%; ` +
      `${cached.code === 0 ? `${(cached.ms / 1000).toFixed(1)} s with the nets' weights from the disk cache` : 'the cached run failed'}), ` +
      `peak RSS ${ours.rssMb?.toFixed(0)} MB, style gain ${ourQuality.styleGain.toFixed(3)}, content corr ${ourQuality.contentCorrelation.toFixed(3)}`,
  );
  if (torchOk && list(values['torch-step-sizes']).includes(s)) {
    await settle();
    // The same net as ours (the reference recipe's end-to-end run below keeps its own kernel of 11).
    const t = timed(PYTHON, ['bench/torch_reference.py', clip.content, clip.style, '/dev/null', '--time-steps', String(reps), '--threads', String(threads), '--kernel', String(settings.kernel)]);
    if (t.code === 0) {
      const j = JSON.parse(t.stdout.trim().split('\n').pop() as string);
      Object.assign(row, { torchStepMs: j.stepMsMedian, torchStepGflops: flops.torchStep / j.stepMsMedian / 1e6 });
      console.log(
        `${s} s: PyTorch step ${j.stepMsMedian.toFixed(0)} ms (${(row.torchStepGflops as number).toFixed(0)} GFLOP/s): ours ${(j.stepMsMedian / step.stepMs).toFixed(2)}x faster per step ` +
          `(${(j.stepMsMedian / step.directStepMs).toFixed(2)}x with onnxruntime's Conv)`,
      );
    } else console.log(`${s} s: PyTorch step failed: ${t.stderr.trim().split('\n').slice(-2).join(' ')}`);
  }
  if (torchOk && list(values['torch-e2e-sizes']).includes(s)) {
    const torchOut = `out/bench/torch-${s}s.wav`;
    await settle();
    const t = timed(PYTHON, [
      'bench/torch_reference.py', clip.content, clip.style, torchOut, '--threads', String(threads),
      '--optimizer', values['torch-optimizer'], '--steps', values['torch-steps'],
    ]);
    if (t.code === 0) {
      const j = JSON.parse(t.stdout.trim().split('\n').pop() as string);
      const tq = await quality(clip.content, clip.style, torchOut);
      Object.assign(row, { torchTotalMs: t.ms, torchRssMb: t.rssMb, torchEvaluations: j.evaluations, torchPhaseMs: j.timingsMs.phase, torchQuality: tq });
      console.log(
        `${s} s: PyTorch end to end (${values['torch-optimizer']} ${values['torch-steps']} steps, ${j.evaluations} evals, GL 500) ${(t.ms / 1000).toFixed(1)} s, ` +
          `peak RSS ${t.rssMb?.toFixed(0)} MB, style gain ${tq.styleGain.toFixed(3)}, content corr ${tq.contentCorrelation.toFixed(3)}: ours ${(t.ms / ours.ms).toFixed(1)}x faster end to end`,
      );
    } else console.log(`${s} s: PyTorch end to end failed: ${t.stderr.trim().split('\n').slice(-2).join(' ')}`);
  }
  results.push(row);
}
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify({ machine, settings, results }, null, 2));
console.log(`# results: ${file}`);
