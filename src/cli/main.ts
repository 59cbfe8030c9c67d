#!/usr/bin/env node
/**
 * restyle: the command-line shell over the library. Parses options, reads the inputs, runs transfer with a progress
 * display, writes the WAV atomically and prints a summary. Exit codes: 0 ok, 1 usage error, 2 processing error,
 * 130 interrupted.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { encodeWav } from '../audio/wav.js';
import { CancelledError, InputError, ResourceError, UsageError, type PartialResult } from '../errors.js';
import { describeQuality, type QualityReport } from '../quality/measures.js';
import { OPTION_NAMES, SETTING_HELP, SETTING_RANGES, describeRate, displayDefault, resolveSettings, type TransferSettings } from '../pipeline/settings.js';
import type { ProgressEvent, TransferResult } from '../pipeline/transfer.js';
import { nearLimitWarning } from '../pipeline/memory.js';
import { assessResult, reportPlotInput, runReport } from '../pipeline/assess.js';
import { describePeaks } from '../pipeline/peaks.js';
import { DEVICES, STDIO, DiskWeightsStore, availableMemoryBytes, checkWritable, defaultWeightsCacheDir, displayName, weightsCacheMaxBytes, nodeRuntime, qualityDevice, readInputFile, removePendingTempFiles, transfer, versionLine, writeOutput, type Device } from '../node/index.js';
import { ProgressDisplay } from './progress.js';
import { formatSeconds } from '../pipeline/eta.js';
import { drawReport } from '../report/plot.js';
import { encodePng } from '../node/png.js';
import { encodeFlac } from '../node/flac.js';

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, usage: 1, processing: 2, interrupted: 130 } as const;

interface CliOptions {
  output?: string;
  duration?: string;
  float?: boolean;
  yes?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  report?: string;
  quality: boolean;
  cache: boolean;
  checkpoint?: boolean;
  plot?: string;
  mono?: boolean;
  memoryLimit?: string;
  device: Device;
}

function buildProgram(): Command {
  const program = new Command('restyle')
    .description('Neural audio style transfer: re-render CONTENT with the timbre and texture of STYLE.')
    .usage('[options] CONTENT STYLE -o OUT\n       restyle [options] --duration SECONDS STYLE -o OUT   (texture synthesis)')
    // Optional to commander: with none, main() prints the usage itself (as sox does), not commander's "missing argument".
    .argument('[files...]', 'CONTENT and STYLE audio (WAV, AIFF, FLAC, MP3, OGG, WavPack, ...); STYLE alone with --duration; - reads one from stdin')
    .option('-o, --output <file>', 'output WAV file, or FLAC if named .flac (required; - writes WAV to stdout)')
    .option('--duration <seconds>', 'texture mode: synthesise this many seconds of the style, no content')
    .option('--float', 'write 32-bit float WAV instead of 16-bit PCM (WAV only)')
    .option('--mono', 'mix stereo content to mono (half the time of keeping both channels)')
    .option('-y, --yes', 'overwrite the output file if it exists')
    .option('-q, --quiet', 'no progress bar and no summary (errors and warnings still print)')
    .option('--report <file>', 'also write a JSON report (settings, losses, timings, quality); - for stdout')
    .option('--plot <file.png>', 'also draw content, style and result spectrograms and the loss curve as a PNG')
    .option('--checkpoint', 'on Ctrl-C, write the best result so far to the output before exiting')
    .addOption(new Option('--device <name>', 'where to compute: cpu, webgpu (needs a GPU adapter), or auto (WebGPU if present, else CPU)').choices(DEVICES).default('cpu'))
    .option('--memory-limit <MB>', 'refuse runs estimated to need more memory than this (default: the available memory)')
    .option('--no-quality', 'skip the held-out quality measures in the summary')
    .option('--no-cache', "don't keep the nets' weights on disk for later runs (default: kept in $RESTYLE_CACHE_DIR or ~/.cache/restyle/weights, up to $RESTYLE_CACHE_SIZE, 2G unless set)")
    .option('--verbose', 'print stack traces with errors')
    .version(versionLine(), '-V, --version', 'show the version of restyle and of the ONNX runtime')
    .helpOption('-h, --help', 'show this help')
    .showHelpAfterError('(run restyle --help for usage)')
    .exitOverride()
    .configureHelp({ helpWidth: 120 })
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const key of Object.keys(OPTION_NAMES) as (keyof TransferSettings)[]) {
    const range = SETTING_RANGES[key];
    const value = range.kind === 'choice' ? range.values.join('|') : range.kind === 'int' ? 'n' : range.kind === 'intList' ? 'n,n,...' : 'x';
    const shown = displayDefault(key);
    const option = new Option(`${OPTION_NAMES[key]} <${value}>`, `${SETTING_HELP[key]}${shown === '' ? '' : ` (default: ${shown})`}`);
    // Store under the setting's own name (--sr would otherwise land in opts.sr, not opts.sampleRate).
    program.addOption(option);
    SETTING_ATTRIBUTES.set(option.attributeName(), key);
  }
  return program;
}

/** Commander's attribute name of each settings option -> the setting it sets. */
const SETTING_ATTRIBUTES = new Map<string, keyof TransferSettings>();

/** Maps parsed option strings to settings keys. */
function settingsFrom(opts: Record<string, unknown>): Partial<Record<keyof TransferSettings, string>> {
  const out: Partial<Record<keyof TransferSettings, string>> = {};
  for (const [attribute, key] of SETTING_ATTRIBUTES) if (typeof opts[attribute] === 'string') out[key] = opts[attribute] as string;
  return out;
}

function samePath(a: string, b: string): boolean {
  const resolve = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return resolve(a) === resolve(b);
}

/**
 * The uses of '-' (standard input or output) that cannot work, as usage errors: two inputs from one stdin, two outputs
 * on one stdout, audio read from or written to a terminal.
 */
function checkStdio(files: string[], opts: CliOptions): void {
  if (files.filter((f) => f === STDIO).length > 1) throw new UsageError('only one input can be read from stdin (-)');
  if (files.includes(STDIO) && process.stdin.isTTY) throw new UsageError('-: stdin is a terminal; pipe the audio in (e.g. sox in.mp3 -t wav - | restyle - style.wav -o out.wav)');
  const toStdout = (['output', 'report', 'plot'] as const).filter((key) => opts[key] === STDIO);
  if (toStdout.length > 1) throw new UsageError('only one of -o, --report and --plot can write to stdout (-)');
  if (process.stdout.isTTY && (toStdout[0] === 'output' || toStdout[0] === 'plot')) {
    throw new UsageError(`${toStdout[0] === 'output' ? '-o' : '--plot'} -: stdout is a terminal; redirect it to a file or a pipe (e.g. | play -t wav -)`);
  }
}

/** Extensions of audio formats restyle does not write, which a file named so would be expected to hold. */
const OTHER_AUDIO_EXTENSIONS = new Set(['.mp3', '.ogg', '.oga', '.opus', '.m4a', '.aac', '.aif', '.aiff', '.wma', '.webm', '.mp4']);

/** The output's format, from its name: FLAC for .flac, else WAV (also on stdout). */
function outputFormat(output: string): 'wav' | 'flac' {
  return path.extname(output).toLowerCase() === '.flac' ? 'flac' : 'wav';
}

/**
 * Refuses an output named as a format restyle does not write (WAV data in out.mp3 misleads every player), and 32-bit
 * float in FLAC, which holds integers.
 */
function checkOutputFormat(output: string, float: boolean): void {
  const ext = path.extname(output).toLowerCase();
  if (OTHER_AUDIO_EXTENSIONS.has(ext)) {
    throw new UsageError(`-o ${output}: restyle writes WAV or FLAC; name the output .wav or .flac and convert it (e.g. sox out.wav out${ext})`);
  }
  if (float && outputFormat(output) === 'flac') throw new UsageError('--float: FLAC holds integer samples; name the output .wav for 32-bit float');
}

/** Refuses `--peak none` where the file's integer samples would clip the peaks it keeps. */
function checkPeakControl(peakControl: TransferSettings['peakControl'], output: string, float: boolean): void {
  if (peakControl !== 'none' || float) return;
  throw new UsageError(
    outputFormat(output) === 'flac'
      ? '--peak none: FLAC holds integer samples, which would clip the peaks it keeps; write a .wav with --float'
      : '--peak none keeps peaks past full scale, which only 32-bit float holds: add --float (or use --peak limit or scale)',
  );
}

/** Image formats other than PNG, which a --plot file named so would be expected to hold. */
const OTHER_IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.gif', '.webp', '.bmp', '.svg', '.tif', '.tiff', '.avif']);

/** Refuses a --plot name of another image format: the picture is a PNG. */
function checkPlotFormat(plot: string | undefined): void {
  const ext = plot === undefined ? '' : path.extname(plot).toLowerCase();
  if (OTHER_IMAGE_EXTENSIONS.has(ext)) throw new UsageError(`--plot ${plot}: the picture is a PNG; name it .png`);
}

/** The output file's bytes: 16-bit FLAC, or WAV (16-bit, or 32-bit float with --float). */
function encodeOutput(output: string, float: boolean, channels: Float32Array[], sampleRate: number): Promise<Uint8Array> {
  return outputFormat(output) === 'flac' ? encodeFlac(channels, sampleRate) : encodeWav(channels, sampleRate, float ? 'float32' : 'int16');
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  let opts: CliOptions;
  let files: string[];
  try {
    program.parse(argv, { from: 'user' });
    opts = program.opts<CliOptions>();
    files = program.args;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw err;
  }
  if (argv.length === 0) {
    process.stderr.write(`${program.helpInformation().split('\n\n')[0]}\n(run restyle --help for the options)\n`);
    return EXIT.usage;
  }
  const progress = new ProgressDisplay();
  /** Whether --checkpoint has written a result after a Ctrl-C. */
  let saved = false;
  const fail = (err: unknown): number => {
    const code = err instanceof UsageError ? EXIT.usage : err instanceof CancelledError ? EXIT.interrupted : EXIT.processing;
    if (!(err instanceof UsageError || err instanceof InputError || err instanceof ResourceError || err instanceof CancelledError) && !opts.verbose) {
      // Not one of ours: still one line, but say it is unexpected so that it gets reported.
      process.stderr.write(`restyle: unexpected error: ${err instanceof Error ? err.message : String(err)} (run with --verbose for details)\n`);
      return code;
    }
    const message = err instanceof Error ? err.message : String(err);
    // --checkpoint said it would save the result so far; before the first iteration there is none.
    const interrupted = opts.checkpoint && !saved ? 'interrupted before there was a result to save' : 'interrupted';
    process.stderr.write(`restyle: ${err instanceof CancelledError ? interrupted : message}\n`);
    if (opts.verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return code;
  };

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) {
      removePendingTempFiles();
      process.exit(EXIT.interrupted);
    }
    progress.stop();
    process.stderr.write(`\nrestyle: stopping after this step${opts.checkpoint ? ' and saving the result so far' : ''} (Ctrl-C again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  /** --checkpoint's save of the result so far, once a Ctrl-C has stopped the run. */
  const saveOnCancel = async ({ channels, sampleRate, iterations }: PartialResult): Promise<void> => {
    if (!opts.output) return;
    await writeOutput(opts.output, await encodeOutput(opts.output, Boolean(opts.float), channels, sampleRate));
    saved = true;
    process.stderr.write(`restyle: wrote the result after ${iterations} iteration(s) to ${displayName(opts.output, 'stdout')}\n`);
  };
  try {
    const texture = opts.duration !== undefined;
    if (texture && files.length !== 1) throw new UsageError('with --duration give only the STYLE file');
    if (!texture && files.length !== 2) throw new UsageError(`expected CONTENT and STYLE files, got ${files.length} file(s)`);
    if (!opts.output) throw new UsageError('missing -o OUT (the output file: WAV, or FLAC if named .flac)');
    const duration = texture ? Number(opts.duration) : undefined;
    const memoryLimitMb = opts.memoryLimit === undefined ? undefined : Number(opts.memoryLimit);
    if (memoryLimitMb !== undefined && !(memoryLimitMb > 0)) throw new UsageError(`--memory-limit ${opts.memoryLimit}: must be a positive number of megabytes`);
    const cacheMaxBytes = opts.cache ? weightsCacheMaxBytes() : 0;
    if (duration !== undefined && !(duration > 0 && duration <= 3600)) throw new UsageError(`--duration ${opts.duration}: must be a number of seconds in (0, 3600]`);
    checkOutputFormat(opts.output, Boolean(opts.float));
    checkPlotFormat(opts.plot);
    for (const f of files) if (f !== STDIO && samePath(f, opts.output)) throw new UsageError(`output ${opts.output} is also an input; choose another name`);
    checkStdio(files, opts);
    // Validate the settings before reading anything, so a typo fails in milliseconds with exit 1.
    const settings = resolveSettings(settingsFrom(opts as unknown as Record<string, unknown>), texture ? 'texture' : 'transfer');
    checkPeakControl(settings.peakControl, opts.output, Boolean(opts.float));

    const [contentFile, styleFile] = texture ? [undefined, files[0]] : [files[0], files[1]];
    const styleBytes = await readInputFile(styleFile);
    const contentBytes = contentFile ? await readInputFile(contentFile) : undefined;
    await checkWritable(opts.output, Boolean(opts.yes));
    // The report and the picture are replaced without -y, as before; but a typo in their paths should not wait for the end of the run.
    for (const extra of [opts.report, opts.plot]) if (extra !== undefined) await checkWritable(extra, true);

    // The limit the run is checked against (as the Node transfer does): one near it is warned about as it starts.
    const memoryLimitBytes = memoryLimitMb !== undefined ? memoryLimitMb * 2 ** 20 : availableMemoryBytes();
    const onProgress = (e: ProgressEvent): void => {
      const warning = e.memory && nearLimitWarning(e.memory.totalBytes, memoryLimitBytes);
      if (warning) progress.warn(`restyle: warning: ${warning}`);
      if (!opts.quiet) progress.update(e);
    };
    // The nets' weights (about a second of a short run to make) are kept on disk for the next run with the same seed and sizes.
    const cacheDir = cacheMaxBytes > 0 ? defaultWeightsCacheDir() : null;
    const weightsStore = cacheDir ? new DiskWeightsStore(cacheDir, cacheMaxBytes) : undefined;
    const result = await transfer(
      {
        ...settings,
        content: contentFile && contentBytes ? { bytes: contentBytes, name: displayName(contentFile, 'stdin') } : undefined,
        style: { bytes: styleBytes, name: displayName(styleFile, 'stdin') },
        duration,
        mono: Boolean(opts.mono),
        device: opts.device,
        memoryLimitBytes,
        weightsStore,
      },
      { signal: controller.signal, onProgress, partialOnCancel: Boolean(opts.checkpoint) },
    ).catch(async (err: unknown) => {
      if (err instanceof CancelledError && err.partial) await saveOnCancel(err.partial);
      throw err;
    });
    // A Ctrl-C while the quality is measured stops that too (exit 130); with --checkpoint the finished result is written.
    // A short clip's measures take less time on the CPU, a GPU run's too (qualityDevice).
    const assessment = await assessResult(nodeRuntime(result.settings.threads, qualityDevice(opts.device, result.spectrograms), { weightsStore }), result, {
      quality: opts.quality,
      onProgress: opts.quiet ? undefined : (e) => progress.update(e),
      signal: controller.signal,
    }).catch(async (err: unknown) => {
      if (err instanceof CancelledError && opts.checkpoint) await saveOnCancel({ ...result, iterations: result.optimiser.iterations });
      throw err;
    });
    progress.stop();
    const { written, quality } = assessment;
    await writeOutput(opts.output, await encodeOutput(opts.output, Boolean(opts.float), result.channels, result.sampleRate));
    if (opts.plot) await writeOutput(opts.plot, encodePng(drawReport(reportPlotInput(result, written))));
    if (opts.report) await writeOutput(opts.report, new TextEncoder().encode(JSON.stringify(runReport(result, assessment, opts.output), null, 2) + '\n'));
    for (const w of [...result.warnings, ...assessment.warnings]) process.stderr.write(`restyle: warning: ${w}\n`);
    if (!opts.quiet) process.stderr.write(summary(result, quality, opts.output, Boolean(opts.float), assessment.ms) + '\n');
    // The nets' weights go to the cache while the run goes on; a short run can end first.
    await weightsStore?.flush();
    return EXIT.ok;
  } catch (err) {
    progress.stop();
    return fail(err);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * The one-line summary on stderr. Its time is the run's and the quality measures' after it (`assessMs`), which the
 * stages list shows when they were taken.
 */
export function summary(r: TransferResult, q: QualityReport | undefined, output: string, float: boolean, assessMs = 0): string {
  const t = r.timings;
  const s = (ms: number): string => formatSeconds(ms / 1000);
  const parts = [
    `restyle: wrote ${displayName(output, 'stdout')} (${(r.channels[0].length / r.sampleRate).toFixed(2)} s, ${r.channels.length === 2 ? 'stereo' : r.channels.length === 1 ? 'mono' : `${r.channels.length} channels`}, ${describeRate(r.sampleRate, r.inputs.content?.sampleRate)}, ${float ? '32-bit float' : outputFormat(output) === 'flac' ? '16-bit FLAC' : '16-bit'}) in ${s(t.total + assessMs)}`,
    `stages: decode ${s(t.decode)}, analyse ${s(t.analyse)}, optimise ${s(t.optimise)} (${r.optimiser.iterations} it, ${r.optimiser.evaluations} evals, ${Math.round(r.msPerEvaluation)} ms/eval), phase ${s(t.phase)}${q ? `, quality ${s(assessMs)}` : ''}`,
    // A content that already has the style starts at the loss's rounding noise (about 1e-2, of either sign), where a
    // ratio means nothing: '(-0.0x)' was printed for a clip restyled with itself. Its later rounds, re-analysed from
    // Griffin-Lim's audio, end above that noise ('(0.0x)' was printed): the ratio is shown only for a loss that fell.
    `loss ${r.initialLoss.toExponential(3)} -> ${r.finalLoss.total.toExponential(3)}${r.finalLoss.total > 0 && r.finalLoss.total < r.initialLoss ? ` (${(r.initialLoss / r.finalLoss.total).toFixed(1)}x)` : ''}`,
  ];
  if (q) parts.push(describeQuality(q));
  parts.push(`phase ${r.spectralConvergenceDb.toFixed(1)} dB`);
  const peaks = describePeaks(r.peaks);
  if (peaks) parts.push(peaks);
  return parts.join('; ');
}

// Run when executed directly (not when imported by tests).
const invokedPath = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invokedPath === realpathSync(new URL(import.meta.url).pathname)) {
  main(process.argv.slice(2)).then(
    (code) => {
      removePendingTempFiles(); // a weights cache file still being written after a failure or a Ctrl-C
      process.exit(code);
    },
    (err) => {
      process.stderr.write(`restyle: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(EXIT.processing);
    },
  );
}
