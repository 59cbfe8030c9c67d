/**
 * Benchmark inputs of any length, made from the bundled examples by looping them (no external tools):
 * npx tsx bench/clips.ts 10 60  ->  out/bench/speech-10s.wav, out/bench/plucks-10s.wav, ... (22.05 kHz, 16-bit).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import {
  DEFAULT_SETTINGS, HELD_OUT_NETS, StftPlan, decodeAudio, encodeWav, measureQuality, resample, toLogSpectrogram, toMono,
  type HeldOutNet, type LogSpectrogram, type QualityReport, type Runtime,
} from '../src/index.js';

/**
 * Families of held-out nets that judge a setting (bench/judges.ts): ours, then three others, two of which share no
 * kernel width with the net restyle runs by default (7), so that a gain only one judge sees shows as such.
 */
export const JUDGE_FAMILIES: [string, readonly HeldOutNet[]][] = [
  ['3/7/15 (ours)', HELD_OUT_NETS],
  ['11 x 3 seeds', [{ kernel: 11, seed: 90001 }, { kernel: 11, seed: 90002 }, { kernel: 11, seed: 90003 }]],
  ['4/9/19', [{ kernel: 4, seed: 91001 }, { kernel: 9, seed: 91002 }, { kernel: 19, seed: 91003 }]],
  ['2/31', [{ kernel: 2, seed: 92001 }, { kernel: 31, seed: 92002 }]],
];

/** Filters in each of JUDGE_FAMILIES' nets (the measures' own HELD_OUT_FILTERS). */
export const JUDGE_FILTERS = 512;

/** A result judged by every one of JUDGE_FAMILIES: its content correlation and each family's style gain, in order. */
export async function judgeByFamilies(
  runtime: Runtime,
  specs: { content: LogSpectrogram; style: LogSpectrogram; result: LogSpectrogram },
): Promise<{ contentCorrelation: number; styleGains: number[] }> {
  const styleGains: number[] = [];
  let contentCorrelation = NaN;
  for (const [, nets] of JUDGE_FAMILIES) {
    const q = await measureQuality(runtime, specs, nets, JUDGE_FILTERS);
    contentCorrelation = q.contentCorrelation;
    styleGains.push(q.styleGain);
  }
  return { contentCorrelation, styleGains };
}

/**
 * Restyles CONTENT with STYLE through the CLI of dist/ (so `npm run build` first; `cli` names another build's
 * dist/cli/main.js) with `options` and judges the written
 * result with judgeByFamilies against `reference`, the clips it should be read against (not necessarily the inputs:
 * bench/input-conditions.ts gives the CLI altered copies and judges against the originals).
 */
export async function judgeCliRun(
  runtime: Runtime,
  inputs: { content: string; style: string },
  reference: { content: LogSpectrogram; style: LogSpectrogram },
  options: string[],
  cli = 'dist/cli/main.js',
): Promise<{ contentCorrelation: number; styleGains: number[] }> {
  const out = 'out/bench/judged.wav';
  mkdirSync('out/bench', { recursive: true });
  const run = spawnSync(process.execPath, [cli, inputs.content, inputs.style, '-o', out, '-y', '-q', '--no-quality', ...options], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`restyle ${inputs.content} ${inputs.style} ${options.join(' ')} failed: ${run.stderr}`);
  return judgeByFamilies(runtime, { ...reference, result: await fileLogSpectrogram(out) });
}

/** A table's first lines for judgeCliRun's figures: the machine, then `columns` and one style gain per judge family. */
export function judgedTableHeader(columns: string[]): string {
  const machine = `# ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} threads; held-out nets of ${JUDGE_FILTERS} filters`;
  return `${machine}\n${[...columns, 'content corr', ...JUDGE_FAMILIES.map(([name]) => `style gain, ${name}`)].join(' | ')}`;
}

/** One row of a judgedTableHeader table. */
export function judgedTableRow(cells: (string | number)[], judged: { contentCorrelation: number; styleGains: number[] }): string {
  return [...cells, judged.contentCorrelation.toFixed(3), ...judged.styleGains.map((g) => g.toFixed(3))].join(' | ');
}

/** An audio file as the library's transfer takes it: its bytes, named by its path (for messages). */
export function audioFile(path: string): { bytes: Uint8Array; name: string } {
  return { bytes: new Uint8Array(readFileSync(path)), name: path };
}

/** Loops the bundled example `name` to `seconds` and returns its mono samples at the example's rate. */
export async function loopedExample(name: string, seconds: number): Promise<{ samples: Float32Array; sampleRate: number }> {
  const clip = await decodeAudio(new Uint8Array(readFileSync(new URL(`../examples/${name}.wav`, import.meta.url))), name);
  const mono = toMono(clip);
  const n = Math.round(seconds * clip.sampleRate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += mono.length) out.set(mono.subarray(0, Math.min(mono.length, n - i)), i);
  return { samples: out, sampleRate: clip.sampleRate };
}

/** Writes looped content (speech) and style (plucks) clips of each length to out/bench and returns their paths. */
export async function writeBenchClips(seconds: number[], dir = 'out/bench'): Promise<{ seconds: number; content: string; style: string }[]> {
  mkdirSync(dir, { recursive: true });
  const result = [];
  for (const s of seconds) {
    const paths = { seconds: s, content: `${dir}/speech-${s}s.wav`, style: `${dir}/plucks-${s}s.wav` };
    for (const [name, path] of [['speech', paths.content], ['plucks', paths.style]] as const) {
      const { samples, sampleRate } = await loopedExample(name, s);
      writeFileSync(path, await encodeWav([samples], sampleRate));
    }
    result.push(paths);
  }
  return result;
}

/**
 * The model's view of an audio file: mono, resampled, log1p STFT magnitude, at the default settings or at another
 * rate and STFT (`footing`, for judging runs made at other rates on one footing).
 */
export async function fileLogSpectrogram(
  path: string,
  footing: Pick<typeof DEFAULT_SETTINGS, 'sampleRate' | 'nFft' | 'hop'> = DEFAULT_SETTINGS,
): Promise<LogSpectrogram> {
  const { sampleRate, nFft, hop } = footing;
  const clip = await decodeAudio(new Uint8Array(readFileSync(path)), path);
  return toLogSpectrogram(new StftPlan(nFft, hop), await resample(toMono(clip), clip.sampleRate, sampleRate));
}

/** The held-out quality measures of an output file against its content and style files, on the audio as written. */
export async function fileQuality(runtime: Runtime, contentPath: string, stylePath: string, outPath: string): Promise<QualityReport> {
  return measureQuality(runtime, {
    content: await fileLogSpectrogram(contentPath),
    style: await fileLogSpectrogram(stylePath),
    result: await fileLogSpectrogram(outPath),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lengths = process.argv.slice(2).map(Number);
  for (const p of await writeBenchClips(lengths.length ? lengths : [10])) console.log(p.content, p.style);
}

/**
 * Waits, before a timed child process, for this process's own work to settle. V8 collects what an in-process
 * measurement left behind (hundreds of MB after a net's weights) on its event loop's idle time, and until then its
 * threads compete with the child for the cores: a 10 s CLI run right after a prepared net took 6.65-7.32 s here
 * (2 cores), against 5.66-5.94 s before it, and 6.08 s after 3 s of idle.
 */
export function settle(ms = 3000): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `command` once, untimed, then settles, so that the timed run of it that follows (started the same way: a plain
 * spawn; bench/run.ts times through /usr/bin/time and runs its untimed run so too) is not the first heavy process
 * after this one's own measurements. That one runs slow on this VM, and not only for the CPU that settle() gives back:
 * a parent holding 4 GB it had just filled made a 10 s CLI run take 7.9-8.6 s against 5.7-5.9 s, and the run after it
 * 5.9-6.3 s (dropping the page cache costs 0.55 s, so that is not all of it); npm run bench's first run at 10 s went
 * from 7.9 s to 5.9 s with this.
 */
export async function runUntimed(command: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  spawnSync(command, args, { stdio: 'ignore', env: { ...process.env, ...env } });
  await settle();
}
