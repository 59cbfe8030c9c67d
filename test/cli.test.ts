import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { decodeAudio } from '../src/audio/decode.js';
import { DEFAULT_SETTINGS, OPTION_NAMES, displayDefault } from '../src/pipeline/settings.js';
import { spawnSync } from 'node:child_process';
import { cli, escapeRegExp, plucks, root, run, runPiped, speech, tempDir } from './cli-helpers.js';
import { hasGpuDeviceNode } from '../src/node/index.js';
import { summary } from '../src/cli/main.js';
import type { TransferResult } from '../src/pipeline/transfer.js';
import type { QualityReport } from '../src/quality/report.js';

const fast = ['--filters', '64', '--kernel', '5', '--iterations', '3', '--phase-iters', '4'];

beforeAll(() => {
  if (!existsSync(cli)) throw new Error('dist/cli/main.js is missing: run npm run build (npm test does)');
});

describe('restyle CLI', () => {
  it('the npm package holds what its bin and exports name, the examples, the README and what it links to, and no build state', () => {
    const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
    expect(packed.status, packed.stderr).toBe(0);
    const files = new Set((JSON.parse(packed.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: Record<string, string>; exports: Record<string, { types: string; default: string }> };
    const named = [...Object.values(manifest.bin), ...Object.values(manifest.exports).flatMap((e) => [e.types, e.default])];
    for (const file of named) expect(files, file).toContain(file.replace(/^\.\//, ''));
    for (const name of ['speech', 'melody', 'plucks', 'drums', 'texture']) expect(files).toContain(`examples/${name}.wav`);
    expect(files).toContain('README.md');
    // The README's pictures and its links to docs/ work where the package is read (its pages link only among themselves).
    const linked = [...readFileSync(path.join(root, 'README.md'), 'utf8').matchAll(/\]\(((?:docs)\/[^)#\s]+)/g)].map((m) => m[1]);
    expect(linked.length).toBeGreaterThan(5);
    for (const file of linked) expect(files, file).toContain(file);
    expect([...files].filter((f) => !/^(dist\/.+\.(js|d\.ts|js\.map)|examples\/\w+\.wav|docs\/[\w-]+\.(md|png)|README\.md|package\.json)$/.test(f))).toEqual([]);
  });

  it('--help exits 0 and lists every option with its default', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: restyle/);
    for (const [key, flag] of Object.entries(OPTION_NAMES)) {
      expect(r.stdout).toContain(flag);
      const shown = displayDefault(key as keyof typeof DEFAULT_SETTINGS);
      // Help wraps long lines: compare with the wrapping undone.
      if (shown !== '') expect(r.stdout.replace(/\s+/g, ' ')).toContain(`(default: ${shown})`);
    }
    for (const flag of ['--output', '--duration', '--float', '--yes', '--quiet', '--report', '--verbose']) expect(r.stdout).toContain(flag);
  });

  it('the summary gives the loss ratio only when both losses are positive (a clip restyled with itself starts at noise), the quality measures\' time, the rate resampled from', () => {
    const result = (initial: number, final: number) =>
      ({
        channels: [new Float32Array(22050)],
        sampleRate: 22050,
        timings: { decode: 0, analyse: 0, optimise: 0, phase: 0, total: 0 },
        optimiser: { iterations: 1, evaluations: 2, stopReason: 'evaluations' },
        msPerEvaluation: 1,
        initialLoss: initial,
        finalLoss: { total: final, style: final, content: 0, rhythm: 0 },
        spectralConvergenceDb: -20,
        peaks: { control: 'limit', peak: 0.8, reductionDb: 0, affectedFraction: 0 },
        inputs: { content: { name: 'c.wav', sampleRate: 22050, channels: 1, seconds: 1 }, style: { name: 's.wav', sampleRate: 44100, channels: 2, seconds: 3 } },
      }) as unknown as TransferResult;
    expect(summary(result(2.5e4, 1e4), undefined, 'o.wav', false)).toContain('loss 2.500e+4 -> 1.000e+4 (2.5x);');
    // The rate is the output's; a content that came at another rate was resampled, and the summary says from what.
    expect(summary(result(2, 1), undefined, 'o.wav', false)).toContain('(1.00 s, mono, 22050 Hz, 16-bit)');
    const from48k = { ...result(2, 1), inputs: { content: { name: 'c.wav', sampleRate: 48000, channels: 2, seconds: 1 } } } as unknown as TransferResult;
    expect(summary(from48k, undefined, 'o.wav', false)).toContain('(1.00 s, mono, 22050 Hz from 48000 Hz, 16-bit)');
    // With the quality measures, their time is a stage of its own and part of the total.
    const noRhythm = { rhythmDistance: NaN, contentRhythmDistance: NaN, rhythmGain: NaN, styleHalvesRhythmDistance: NaN };
    const q = { styleGain: 0.75, styleHalvesGain: NaN, contentCorrelation: 0.85, contentStyleDistance: 0.4, ...noRhythm } as QualityReport;
    expect(summary({ ...result(2, 1), timings: { decode: 0, analyse: 1000, optimise: 2000, phase: 500, total: 3500 } } as TransferResult, q, 'o.wav', false, 900)).toMatch(
      /in 4\.4s; stages: decode 0\.0s, analyse 1\.0s, optimise 2\.0s \(.*\), phase 0\.5s, quality 0\.9s; loss/,
    );
    expect(summary(result(-1.563e-2, 14.67), undefined, 'o.wav', false)).toContain('loss -1.563e-2 -> 1.467e+1;');
    expect(summary(result(7.813e-3, 56.66), undefined, 'o.wav', false)).toContain('loss 7.813e-3 -> 5.666e+1;');
    // Texture synthesis has no content, so no gain: the style distance, against the style's own halves'.
    const texture = { styleDistance: 0.2013, styleHalvesDistance: 0.0419, styleGain: NaN, contentCorrelation: NaN, contentStyleDistance: NaN, styleReplayCorrelation: 0.2504, ...noRhythm } as QualityReport;
    expect(summary(result(2, 1), texture, 'o.wav', false)).toContain("; style distance 0.201 (style's own halves 0.042), replay corr 0.250; phase");
    // And its pulse against the style's, where the clips were long enough to measure it.
    const pulsed = { ...texture, rhythmDistance: 0.1712, styleHalvesRhythmDistance: 0.0668 };
    expect(summary(result(2, 1), pulsed, 'o.wav', false)).toContain("replay corr 0.250, rhythm distance 0.171 (style's own halves 0.067); phase");
    // What was done to a peak past full scale ends it; a peak that would not have clipped goes unmentioned.
    expect(summary(result(2, 1), undefined, 'o.wav', false)).toMatch(/; phase -20\.0 dB$/);
    const limited = { ...result(2, 1), peaks: { control: 'limit', peak: 1.17, reductionDb: 1.34, affectedFraction: 0.126 } } as TransferResult;
    expect(summary(limited, undefined, 'o.wav', false)).toMatch(/; phase -20\.0 dB; peak 1\.17 limited by up to 1\.3 dB \(12\.6% of samples\)$/);
  });

  it('with no arguments prints the usage lines to stderr and exits 1; --version names restyle and the runtime', () => {
    const r = run([]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'Usage: restyle [options] CONTENT STYLE -o OUT\n       restyle [options] --duration SECONDS STYLE -o OUT   (texture synthesis)\n(run restyle --help for the options)\n',
    );
    const versionOf = (dir: string): string => (JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-V']) {
      const v = run([flag]);
      expect(v.code).toBe(0);
      expect(v.stdout).toBe(`restyle ${versionOf('.')} (onnxruntime-node ${versionOf('node_modules/onnxruntime-node')}, Node ${process.version})\n`);
    }
    expect(run([speech, plucks]).stderr).toBe('restyle: missing -o OUT (the output file: WAV, or FLAC if named .flac)\n');
  });

  it('a missing input exits 2 with one line naming the path, no stack trace', () => {
    const dir = tempDir();
    const r = run(['/no/such/content.wav', plucks, '-o', path.join(dir, 'out.wav')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('restyle: /no/such/content.wav: no such file or directory');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an unknown option exits 1', () => {
    const r = run([speech, plucks, '-o', '/tmp/x.wav', '--bogus']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown option '--bogus'/);
  });

  it.each([
    [['--iterations', '-1'], '--iterations -1: must be an integer in [0, 100000]'],
    [['--hop', '4096', '--n-fft', '2048'], '--hop 4096: must not exceed --n-fft 2048'],
    [['--filters', '0'], '--filters 0: must be an integer in [1, 16384]'],
    [['--optimizer', 'sgd'], '--optimizer sgd: must be one of lbfgs, adam'],
    [['--n-fft', '1000'], '--n-fft 1000: must be a power of two'],
  ])('invalid option %j exits 1 and states the valid range', (args, message) => {
    const r = run([speech, plucks, '-o', '/tmp/never-written.wav', ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
  });

  it('runs a small job: writes a 16-bit WAV of the content length and a one-line summary', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'out.wav');
    const report = path.join(dir, 'report.json');
    const plot = path.join(dir, 'plot.png');
    const r = run([speech, plucks, '-o', out, '--report', report, '--plot', plot, ...fast]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/restyle: wrote .*out\.wav \(5\.30 s, mono, 22050 Hz, 16-bit\) in .*; stages: decode .* optimise .*; loss .*style gain .*content corr/);
    const clip = await decodeAudio(new Uint8Array(readFileSync(out)), out);
    const content = await decodeAudio(new Uint8Array(readFileSync(speech)), speech);
    expect(clip.channels[0].length).toBe(content.channels[0].length);
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json.settings.filters).toBe(64);
    // The bundled speech peaks at -3 dBFS already: no gain.
    expect(json.inputs.content).toEqual({ name: speech, sampleRate: 22050, channels: 1, seconds: content.channels[0].length / 22050, gainDb: [0] });
    expect(json.inputs.style).toMatchObject({ name: plucks, sampleRate: 22050, channels: 1 });
    expect(json.quality.styleGain).toBeTypeOf('number');
    // The held-out measures' time, which the run's own total does not include.
    expect(json.timingsMs.assess).toBeGreaterThan(0);
    expect(readFileSync(plot).subarray(1, 4).toString()).toBe('PNG');
    // Nothing but the output, the picture and the report: no temporary files left behind.
    expect(readdirSync(dir).sort()).toEqual(['out.wav', 'plot.png', 'report.json']);
  });

  it('every setting option reaches the run (checked in the --report settings)', () => {
    const dir = tempDir();
    const report = path.join(dir, 'r.json');
    const given = {
      '--sr': '16000', '--n-fft': '1024', '--hop': '256', '--filters': '32', '--kernel': '3', '--kernels': '3,5', '--seed': '7',
      '--content-weight': '0.5', '--rhythm-weight': '0.7', '--content-level': 'keep', '--style-silence': 'keep', '--optimizer': 'adam', '--iterations': '2', '--learning-rate': '0.01',
      '--first-step': '0.25', '--history': '4', '--init': 'noise', '--phase-iters': '3', '--rounds': '2', '--round-nets': 'same', '--threads': '1', '--peak': 'scale', '--conv': 'dft',
    };
    expect(Object.keys(given).sort()).toEqual(Object.values(OPTION_NAMES).sort());
    const r = run([speech, plucks, '-o', path.join(dir, 'o.wav'), '--report', report, '--no-quality', ...Object.entries(given).flat()]);
    expect(r.code, r.stderr).toBe(0);
    const settings = JSON.parse(readFileSync(report, 'utf8')).settings;
    for (const [key, flag] of Object.entries(OPTION_NAMES)) expect(String(settings[key]), flag).toBe(given[flag as keyof typeof given]);
  });

  it('--device auto looks for a GPU device node first: DRM render nodes, NVIDIA devices, WSL\'s GPU', () => {
    const machine = (dev: string[], dri: string[]) => (dir: string) => (dir === '/dev' ? dev : dir === '/dev/dri' ? dri : []);
    expect(hasGpuDeviceNode(machine(['null', 'tty0', 'kvm'], []))).toBe(false);
    expect(hasGpuDeviceNode(machine(['null', 'dri'], ['card0']))).toBe(false); // a display, no render node
    expect(hasGpuDeviceNode(machine(['null', 'dri'], ['card0', 'renderD128']))).toBe(true);
    expect(hasGpuDeviceNode(machine(['nvidiactl', 'nvidia0', 'nvidia-uvm'], []))).toBe(true);
    expect(hasGpuDeviceNode(machine(['nvidiactl'], []))).toBe(false);
    expect(hasGpuDeviceNode(machine(['dxg'], []))).toBe(true);
  });

  it('--device: webgpu without a GPU adapter is a clear error; auto falls back to the CPU and says so', () => {
    // No machine here has a GPU. Where one has, --device webgpu runs and this test's first half does not apply.
    const dir = tempDir();
    const gpu = run([speech, plucks, '-o', path.join(dir, 'a.wav'), '--device', 'webgpu', ...fast]);
    if (gpu.code !== 0) {
      expect(gpu.code).toBe(2);
      expect(gpu.stderr).toMatch(/restyle: webgpu unavailable \(.+\); use --device cpu or auto/);
      expect(readdirSync(dir)).toEqual([]);
      const auto = run([speech, plucks, '-o', path.join(dir, 'b.wav'), '--device', 'auto', ...fast]);
      expect(auto.code, auto.stderr).toBe(0);
      expect(auto.stderr).toMatch(/restyle: warning: webgpu unavailable \(.+\): running on the CPU/);
      // Without a GPU device, auto does not try WebGPU, so Dawn prints nothing of its own (it would, in several lines).
      if (process.platform === 'linux' && !hasGpuDeviceNode()) {
        expect(auto.stderr).toMatch(/webgpu unavailable \(no GPU device on this machine\)/);
        expect(auto.stderr).not.toMatch(/vkCreateInstance|dawn|vulkan/i);
      }
    }
    const bad = run([speech, plucks, '-o', path.join(dir, 'c.wav'), '--device', 'tpu']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/argument 'tpu' is invalid. Allowed choices are cpu, webgpu, auto/);
  });

  it('writes 32-bit float with --float, and texture mode with --duration', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'tex.wav');
    const r = run(['--duration', '1.5', plucks, '-o', out, '--float', '-q', ...fast]);
    expect(r.code, r.stderr).toBe(0);
    // -q drops progress and the summary; warnings (such as peak limiting) still print.
    expect(r.stderr).not.toContain('wrote');
    expect(r.stderr).not.toContain('optimise');
    const bytes = readFileSync(out);
    expect(bytes.readUInt16LE(20)).toBe(3); // WAVE_FORMAT_IEEE_FLOAT
    const clip = await decodeAudio(new Uint8Array(bytes), out);
    expect(clip.channels[0].length).toBe(Math.round(1.5 * 22050));
  });

  it('--peak none keeps peaks past full scale in a --float WAV, and is refused where integer samples would clip them', async () => {
    const dir = tempDir();
    const peakOf = async (file: string): Promise<number> => (await decodeAudio(new Uint8Array(readFileSync(file)), file)).channels[0].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const runWith = (peak: string, name: string) => run([speech, plucks, '-o', path.join(dir, name), '--peak', peak, '--float', '--no-quality', '--report', path.join(dir, `${name}.json`), ...fast]);
    const limited = runWith('limit', 'limit.wav');
    const kept = runWith('none', 'none.wav');
    for (const r of [limited, kept]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain('warning'); // a cut this small is for the summary
    }
    const report = (name: string) => JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8')).peaks;
    // These settings' result peaks past full scale: the limiter holds it under, none keeps it, and each says so.
    expect(await peakOf(path.join(dir, 'limit.wav'))).toBeLessThanOrEqual(Math.fround(0.999));
    expect(report('limit.wav')).toMatchObject({ control: 'limit', peak: expect.any(Number) });
    expect(report('limit.wav').peak).toBeGreaterThan(1);
    expect(limited.stderr).toMatch(/; peak 1\.\d+ limited by up to \d\.\d+ dB/);
    const keptPeak = await peakOf(path.join(dir, 'none.wav'));
    expect(keptPeak).toBeGreaterThan(1);
    expect(report('none.wav')).toEqual({ control: 'none', peak: keptPeak, reductionDb: 0, affectedFraction: 0 });
    expect(kept.stderr).toContain(`; peak ${keptPeak.toFixed(3)} kept (${(20 * Math.log10(keptPeak)).toFixed(1)} dB over full scale)\n`);
    // 16-bit WAV and FLAC would clip what it keeps: refused before any work, nothing written.
    const wav16 = run([speech, plucks, '-o', path.join(dir, 'a.wav'), '--peak', 'none', ...fast]);
    expect([wav16.code, wav16.stderr]).toEqual([1, 'restyle: --peak none keeps peaks past full scale, which only 32-bit float holds: add --float (or use --peak limit or scale)\n']);
    const flac = run([speech, plucks, '-o', path.join(dir, 'a.flac'), '--peak', 'none', ...fast]);
    expect([flac.code, flac.stderr]).toEqual([1, 'restyle: --peak none: FLAC holds integer samples, which would clip the peaks it keeps; write a .wav with --float\n']);
    expect(readdirSync(dir).sort()).toEqual(['limit.wav', 'limit.wav.json', 'none.wav', 'none.wav.json']);
  });

  it.each(['out.mp3', 'Out.OGG'])('refuses -o %s with exit 1: it writes WAV or FLAC, and says how to convert', (name) => {
    const dir = tempDir();
    const r = run([speech, plucks, '-o', path.join(dir, name), ...fast]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`: restyle writes WAV or FLAC; name the output .wav or .flac and convert it (e.g. sox out.wav out${path.extname(name).toLowerCase()})`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writes FLAC for -o *.flac: the samples of the 16-bit WAV run; --float with it is a usage error', async () => {
    const dir = tempDir();
    const [wav, flac] = [path.join(dir, 'o.wav'), path.join(dir, 'o.flac')];
    expect(run([speech, plucks, '-o', wav, '--no-quality', ...fast]).code).toBe(0);
    const r = run([speech, plucks, '-o', flac, '--no-quality', ...fast]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote .*o\.flac \(5\.30 s, mono, 22050 Hz, 16-bit FLAC\)/);
    const fromFlac = await decodeAudio(new Uint8Array(readFileSync(flac)), flac);
    const fromWav = await decodeAudio(new Uint8Array(readFileSync(wav)), wav);
    // The same 16-bit integers: audio-decode scales FLAC's by 1/32767, and WAV's as wav-encoder wrote them.
    const flacInts = fromFlac.channels[0].map((v) => Math.round(v * 32767));
    const wavInts = fromWav.channels[0].map((v) => Math.round(v < 0 ? v * 32768 : v * 32767));
    expect(flacInts.length).toBe(wavInts.length);
    expect(flacInts.every((v, i) => v === wavInts[i])).toBe(true);
    expect(readFileSync(flac).length).toBeLessThan(0.9 * readFileSync(wav).length); // lossless, and smaller
    const float = run([speech, plucks, '-o', path.join(dir, 'f.flac'), '--float', ...fast]);
    expect(float.code).toBe(1);
    expect(float.stderr).toBe('restyle: --float: FLAC holds integer samples; name the output .wav for 32-bit float\n');
  });

  it('refuses to overwrite without -y, and an output that is an input', () => {
    const dir = tempDir();
    const out = path.join(dir, 'exists.wav');
    writeFileSync(out, 'precious');
    const r = run([speech, plucks, '-o', out, ...fast]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('already exists (use -y to overwrite)');
    expect(readFileSync(out, 'utf8')).toBe('precious');
    const input = path.join(dir, 'in.wav');
    copyFileSync(speech, input);
    const same = run([input, plucks, '-o', input, '-y', ...fast]);
    expect(same.code).toBe(1);
    expect(same.stderr).toContain('is also an input');
    expect(readFileSync(input).equals(readFileSync(speech))).toBe(true);
  });

  it("keeps the nets' weights in $RESTYLE_CACHE_DIR for the next run, which writes the same bytes; --no-cache leaves it alone", () => {
    const dir = tempDir();
    const cache = path.join(dir, 'cache');
    const args = (out: string): string[] => [speech, plucks, '-o', path.join(dir, out), '--filters', '256', '--iterations', '2', '--rounds', '1', '-q'];
    expect(run([...args('none.wav'), '--no-cache'], { RESTYLE_CACHE_DIR: cache }).code).toBe(0);
    expect(existsSync(cache)).toBe(false);
    expect(run(args('first.wav'), { RESTYLE_CACHE_DIR: cache }).code).toBe(0);
    // The net's DFT weights (17 x 2 x 256 x 1025 floats, 36 MB) and the three held-out nets' (W: 512 x 1025 x 3, 7, 15).
    const files = readdirSync(cache);
    expect(files.filter((f) => f.endsWith('.weights'))).toHaveLength(4);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const inodes = files.map((f) => statSync(path.join(cache, f)).ino);
    expect(run(args('second.wav'), { RESTYLE_CACHE_DIR: cache }).code).toBe(0);
    // Read, not made and saved again: a save would have renamed a new file over each.
    expect(readdirSync(cache)).toEqual(files);
    expect(files.map((f) => statSync(path.join(cache, f)).ino)).toEqual(inodes);
    const none = readFileSync(path.join(dir, 'none.wav'));
    expect(readFileSync(path.join(dir, 'first.wav')).equals(none)).toBe(true);
    expect(readFileSync(path.join(dir, 'second.wav')).equals(none)).toBe(true);
  });

  it('holds the cache to $RESTYLE_CACHE_SIZE (0: no cache), and refuses a value that is not a size before any work', () => {
    const dir = tempDir();
    const cache = path.join(dir, 'cache');
    const args = (out: string): string[] => [speech, plucks, '-o', path.join(dir, out), '--filters', '256', '--iterations', '2', '--rounds', '1', '-q'];
    const bad = run(args('bad.wav'), { RESTYLE_CACHE_DIR: cache, RESTYLE_CACHE_SIZE: '2 gigs' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('restyle: RESTYLE_CACHE_SIZE=2 gigs: not a size; give bytes or a number with K, M, G or T (such as 6G), or 0 for no cache\n');
    expect(readdirSync(dir)).toEqual([]);
    expect(run(args('zero.wav'), { RESTYLE_CACHE_DIR: cache, RESTYLE_CACHE_SIZE: '0' }).code).toBe(0);
    expect(existsSync(cache)).toBe(false);
    // 20 MiB: room for the held-out nets of kernel 3 and 7 (6.3 and 14.7 MB) one at a time, not for the others (31.5 and
    // 36 MB).
    const cap = 20 * 2 ** 20;
    expect(run(args('capped.wav'), { RESTYLE_CACHE_DIR: cache, RESTYLE_CACHE_SIZE: '20M' }).code).toBe(0);
    const sizes = readdirSync(cache).map((f) => statSync(path.join(cache, f)).size);
    expect(sizes.length).toBeGreaterThan(0);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(cap);
    expect(readFileSync(path.join(dir, 'capped.wav')).equals(readFileSync(path.join(dir, 'zero.wav')))).toBe(true);
  });

  it('refuses --plot names of another image format with exit 1', () => {
    const dir = tempDir();
    const r = run([speech, plucks, '-o', path.join(dir, 'o.wav'), '--plot', path.join(dir, 'p.JPG'), ...fast]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`restyle: --plot ${path.join(dir, 'p.JPG')}: the picture is a PNG; name it .png\n`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each(['--report', '--plot'])('checks %s\'s path before the run: a missing folder exits 2 at once, writing nothing', (flag) => {
    const dir = tempDir();
    const bad = path.join(dir, 'missing', 'x');
    const r = run([speech, plucks, '-o', path.join(dir, 'o.wav'), flag, bad, ...fast]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`restyle: ${bad}: directory ${path.dirname(bad)} does not exist\n`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an unreadable (text) input exits 2 naming the file', () => {
    const dir = tempDir();
    const text = path.join(dir, 'notes.wav');
    writeFileSync(text, 'not audio at all\n'.repeat(10));
    const r = run([text, plucks, '-o', path.join(dir, 'o.wav')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^restyle: ${escapeRegExp(text)}: cannot decode audio`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('restyle CLI with pipes (- for stdin and stdout, as in sox)', () => {
  const quiet = [...fast, '--no-quality'];
  let fromFiles: Buffer;
  beforeAll(() => {
    const out = path.join(tempDir(), 'files.wav');
    const r = run([speech, plucks, '-o', out, ...quiet]);
    expect(r.code, r.stderr).toBe(0);
    fromFiles = readFileSync(out);
  });

  it('reads the content from stdin and writes the WAV to stdout: the same bytes as from and to files', () => {
    const r = runPiped(['-', plucks, '-o', '-', ...quiet], readFileSync(speech));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.equals(fromFiles)).toBe(true);
    expect(r.stderr).toMatch(/restyle: wrote stdout \(5\.30 s, mono/);
  });

  it('reads a pipe given by path: bash process substitution, <(cat STYLE)', () => {
    const out = path.join(tempDir(), 'o.wav');
    const script = `"${process.execPath}" "${cli}" "${speech}" <(cat "${plucks}") -o "${out}" ${quiet.join(' ')}`;
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(out).equals(fromFiles)).toBe(true);
  });

  it('writes the JSON report to stdout with --report -', () => {
    const r = runPiped([speech, plucks, '-o', path.join(tempDir(), 'o.wav'), '--report', '-', ...quiet], new Uint8Array());
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.toString('utf8')).settings.filters).toBe(64);
  });

  it.each([
    [['-', '-', '-o', 'never.wav'], 'only one input can be read from stdin (-)'],
    [[speech, plucks, '-o', '-', '--report', '-'], 'only one of -o, --report and --plot can write to stdout (-)'],
  ])('refuses %j with exit 1', (args, message) => {
    const r = runPiped(args, new Uint8Array());
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`restyle: ${message}\n`);
    expect(r.stdout.length).toBe(0);
  });

  it('names stdin in the error when what is piped in is not audio', () => {
    const r = runPiped(['-', plucks, '-o', '-', ...quiet], new TextEncoder().encode('not audio at all\n'.repeat(10)));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^restyle: stdin: cannot decode audio/);
    expect(r.stdout.length).toBe(0);
  });

  // util-linux's script runs the command on a terminal (Debian has it in every install: bsdutils is essential).
  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('refuses audio from or to a terminal with exit 1, saying how to pipe it', () => {
    const onTerminal = (args: string) => spawnSync('script', ['-qec', `"${process.execPath}" "${cli}" ${args}`, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
    const toTerminal = onTerminal(`"${speech}" "${plucks}" -o -`);
    expect(toTerminal.status).toBe(1);
    expect(toTerminal.stdout).toContain('restyle: -o -: stdout is a terminal; redirect it to a file or a pipe');
    const fromTerminal = onTerminal(`- "${plucks}" -o never.wav`);
    expect(fromTerminal.status).toBe(1);
    expect(fromTerminal.stdout).toContain('restyle: -: stdin is a terminal; pipe the audio in');
  });

  it('a reader that closes stdout early is a one-line error and exit 2, not a crash', () => {
    const script = `"${process.execPath}" "${cli}" "${speech}" "${plucks}" -o - -q ${quiet.join(' ')} | head -c 10 > /dev/null; exit \${PIPESTATUS[0]}`;
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toBe('restyle: stdout: closed by the reader before the output was written\n');
  });
});
