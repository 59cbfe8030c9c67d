/**
 * The CLI on broken, hostile and unusual input: each case either works or exits with the right code and one line that
 * names the file and the problem, without a stack trace, and leaves no file behind.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { encodeWav } from '../src/audio/wav.js';
import { decodeAudio } from '../src/audio/decode.js';
import { cli, escapeRegExp as escape, plucks, root, run, speech, tempDir } from './cli-helpers.js';

const fixtures = path.join(root, 'test/fixtures');
const fast = ['--filters', '64', '--kernel', '5', '--iterations', '3', '--phase-iters', '4', '--no-quality'];

/** A 16-bit mono WAV of `seconds` of a 440 Hz tone at `rate`, with `channels` channels. */
async function toneWav(rate: number, seconds: number, channels = 1, amplitude = 0.5): Promise<Uint8Array> {
  const n = Math.round(rate * seconds);
  const ch = Array.from({ length: channels }, (_, c) => Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * (440 + 110 * c) * i) / rate)));
  return encodeWav(ch, rate);
}


describe('bad input exits 2 with one line naming the file', () => {
  const cases: [string, (dir: string) => Promise<string> | string, RegExp][] = [
    ['a path that does not exist', (dir) => path.join(dir, 'missing.wav'), /: no such file or directory$/],
    ['a directory', (dir) => { const d = path.join(dir, 'folder.wav'); mkdirSync(d); return d; }, /: is a directory, not an audio file$/],
    ['an empty file', (dir) => { const f = path.join(dir, 'empty.wav'); writeFileSync(f, ''); return f; }, /: file is empty$/],
    ['a truncated WAV header', (dir) => { const f = path.join(dir, 'cut.wav'); writeFileSync(f, readFileSync(path.join(fixtures, 'wav16.wav')).subarray(0, 30)); return f; }, /: (no audio samples|cannot decode audio)/],
    ['a text file named .wav', (dir) => { const f = path.join(dir, 'text.wav'); writeFileSync(f, 'hello\n'.repeat(100)); return f; }, /: cannot decode audio/],
    ['an unsupported codec (WAV format tag 0x1234)', (dir) => {
      const bytes = Buffer.from(readFileSync(path.join(fixtures, 'wav16.wav')));
      bytes.writeUInt16LE(0x1234, 20);
      const f = path.join(dir, 'odd-codec.wav');
      writeFileSync(f, bytes);
      return f;
    }, /: cannot decode audio \(Unsupported WAV format: 0x1234\)/],
    ['NaN samples in a float WAV', async (dir) => {
      const x = new Float32Array(22050).fill(0.1);
      x[100] = NaN;
      const f = path.join(dir, 'nan.wav');
      writeFileSync(f, await encodeWav([x], 22050, 'float32'));
      return f;
    }, /: 1 sample is NaN or infinite$/],
    ['a clip shorter than one STFT frame', async (dir) => { const f = path.join(dir, 'blip.wav'); writeFileSync(f, await toneWav(22050, 0.01)); return f; }, /: too short: 0\.010 s, needs at least/],
  ];
  it.each(cases)('%s', async (_label, make, message) => {
    const dir = tempDir();
    const input = await make(dir);
    const before = readdirSync(dir).sort();
    const out = path.join(dir, 'out.wav');
    const r = run([input, plucks, '-o', out, ...fast]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^restyle: ${escape(input)}${message.source}`));
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});

describe('unusual but valid input works', () => {
  it.each([
    ['8 kHz', 8000, 1, 1],
    ['192 kHz', 192000, 1, 1],
    ['stereo', 44100, 2, 1],
    ['8 channels', 48000, 8, 1],
    ['pure silence as content', 22050, 1, 0],
  ])('%s content', async (_label, rate, channels, amplitude) => {
    const dir = tempDir();
    const input = path.join(dir, 'in.wav');
    writeFileSync(input, await toneWav(rate, 1, channels, amplitude * 0.5));
    const out = path.join(dir, 'out.wav');
    const r = run([input, plucks, '-o', out, ...fast]);
    expect(r.code, r.stderr).toBe(0);
    const clip = await decodeAudio(new Uint8Array(readFileSync(out)), out);
    expect(clip.sampleRate).toBe(22050);
    expect(clip.channels[0].length).toBe(22050);
    expect(clip.channels[0].every(Number.isFinite)).toBe(true);
  });

  it.each(['adpcm.wav', 'wav8.wav', 'wav24.wav', 'wavf32.wav', 'flac.flac', 'vorbis.ogg', 'mp3.mp3', 'aiff.aiff', 'caf.caf', 'wavpack.wv', 'amr.amr', 'opus.webm', 'rate192k.wav', 'rate8k.wav', 'six-channels.wav'])(
    'style %s (content and style at different rates)',
    (name) => {
      const dir = tempDir();
      const r = run([speech, path.join(fixtures, name), '-o', path.join(dir, 'out.wav'), ...fast]);
      expect(r.code, r.stderr).toBe(0);
    },
  );

  it('a WAV whose data chunk is shorter than its header declares: the samples that are there are used', async () => {
    const dir = tempDir();
    const cut = path.join(dir, 'cut.wav');
    writeFileSync(cut, readFileSync(plucks).subarray(0, 100_000)); // header says 4 s, 2.27 s are there
    const out = path.join(dir, 'out.wav');
    const r = run([cut, plucks, '-o', out, ...fast]);
    expect(r.code, r.stderr).toBe(0);
    const clip = await decodeAudio(new Uint8Array(readFileSync(out)), out);
    expect(clip.channels[0].length).toBe((100_000 - 44) / 2);
  });

  it('a silent style is refused: there is nothing to transfer', async () => {
    const dir = tempDir();
    const style = path.join(dir, 'silence.wav');
    writeFileSync(style, await toneWav(22050, 1, 1, 0));
    const r = run([speech, style, '-o', path.join(dir, 'out.wav'), ...fast]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`restyle: ${style}: is silent: there is no style to transfer`);
  });
});

describe('invalid options exit 1 and state the valid range', () => {
  it.each([
    [['--iterations', '-5'], '--iterations -5: must be an integer in [0, 100000]'],
    [['--iterations', 'many'], '--iterations many: must be an integer in [0, 100000]'],
    [['--hop', '4096'], '--hop 4096: must not exceed --n-fft 2048'],
    [['--filters', '0'], '--filters 0: must be an integer in [1, 16384]'],
    [['--kernel', '2.5'], '--kernel 2.5: must be an integer in [1, 255]'],
    [['--optimizer', 'sgd'], '--optimizer sgd: must be one of lbfgs, adam'],
    [['--content-weight', '-1'], '--content-weight -1: must be a number in [0, 1000000]'],
    [['--sr', '100'], '--sr 100: must be an integer in [4000, 192000]'],
    [['--memory-limit', '0'], '--memory-limit 0: must be a positive number of megabytes'],
  ])('%j', (args, message) => {
    const dir = tempDir();
    const r = run([speech, plucks, '-o', path.join(dir, 'out.wav'), ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('output safety', () => {
  it('an unwritable output location is reported before any work, naming the path', () => {
    for (const out of ['/proc/restyle-out.wav', '/no/such/dir/out.wav']) {
      const started = Date.now();
      const r = run([speech, plucks, '-o', out, '--filters', '4096', '--iterations', '100']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^restyle: ${escape(out)}: (directory .* is not writable|directory .* does not exist)`));
      expect(Date.now() - started).toBeLessThan(10_000); // refused at once, not after 100 iterations
    }
  });

  it('refuses a run that would not fit in memory, with the estimate and what to change', () => {
    const dir = tempDir();
    const r = run([speech, plucks, '-o', path.join(dir, 'out.wav'), '--memory-limit', '100']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^restyle: this run needs about (\d+ MB|\d+\.\d GB) of memory but 100 MB is available: use fewer --filters \(now 4096\), a larger --hop \(now 512\) or a shorter content clip$/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('warns as it starts a run whose estimate comes within 25% of the memory allowed, and runs it', () => {
    const dir = tempDir();
    const args = [speech, plucks, '-o', path.join(dir, 'out.wav'), '--filters', '64', '--iterations', '1', '--no-quality'];
    // The estimate, from the refusal's message; then a limit 10% above it.
    const refused = run([...args, '--memory-limit', '1']);
    const needed = Number(/needs about (\d+) MB/.exec(refused.stderr)?.[1]);
    expect(needed).toBeGreaterThan(100);
    const limit = Math.round(needed * 1.1);
    const r = run([...args, '--memory-limit', String(limit), '-q']);
    expect(r.code).toBe(0);
    // First, before any of the run's own.
    expect(r.stderr.split('\n')[0]).toBe(
      `restyle: warning: this run needs about ${needed} MB of memory and ${limit} MB is available, and the estimate can be ` +
        '25% low: fewer --filters, a larger --hop or a shorter content clip need less',
    );
    expect(readdirSync(dir)).toEqual(['out.wav']);
    // With room to spare, nothing is said of memory.
    expect(run([...args, '-y', '--memory-limit', String(2 * needed), '-q']).stderr).not.toContain('memory');
  });
});

describe('reproducibility', () => {
  it('same inputs, options and seed give a bit-identical file; inputs are left untouched', () => {
    const dir = tempDir();
    const before = [readFileSync(speech), readFileSync(plucks)];
    const a = run([speech, plucks, '-o', path.join(dir, 'a.wav'), ...fast, '--seed', '5']);
    const b = run([speech, plucks, '-o', path.join(dir, 'b.wav'), ...fast, '--seed', '5']);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(readFileSync(path.join(dir, 'a.wav')).equals(readFileSync(path.join(dir, 'b.wav')))).toBe(true);
    expect(readFileSync(speech).equals(before[0]) && readFileSync(plucks).equals(before[1])).toBe(true);
  });
});

describe('Ctrl-C', () => {
  /** Starts a long run, sends SIGINT once optimisation has begun, and resolves with its exit code and stderr. */
  /** Runs the CLI and sends `signals` Ctrl-Cs once its stderr has shown `trigger` (a progress line's start). */
  function interrupt(args: string[], signals = 1, trigger = 'optimise'): Promise<{ code: number | null; stderr: string; ms: number }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      let sent = 0;
      let sentAt = 0;
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (sent === 0 && stderr.includes(trigger)) {
          sentAt = Date.now();
          for (; sent < signals; sent++) child.kill('SIGINT');
        }
      });
      child.on('exit', (code) => resolve({ code, stderr, ms: Date.now() - sentAt }));
    });
  }
  const long = ['--filters', '256', '--iterations', '100000', '--rounds', '1', '--no-quality'];

  it('stops within one step with exit 130 and leaves nothing behind', async () => {
    const dir = tempDir();
    const r = await interrupt([speech, plucks, '-o', path.join(dir, 'out.wav'), ...long]);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('restyle: interrupted');
    expect(r.ms).toBeLessThan(5000);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('with --checkpoint writes the result so far, a valid WAV of the content length', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'out.wav');
    const r = await interrupt([speech, plucks, '-o', out, '--checkpoint', ...long]);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/restyle: wrote the result after \d+ iteration\(s\) to /);
    expect(readdirSync(dir)).toEqual(['out.wav']);
    const clip = await decodeAudio(new Uint8Array(readFileSync(out)), out);
    const content = await decodeAudio(new Uint8Array(readFileSync(speech)), speech);
    expect(clip.channels[0].length).toBe(content.channels[0].length);
  });

  // 5.3 s at a hop of 256 is 457 frames, so Griffin-Lim runs on its worker threads and a Ctrl-C is seen during it.
  const short = ['--filters', '256', '--iterations', '2', '--rounds', '1', '--hop', '256'];

  it('in the final phase reconstruction: exit 130 and nothing written, or with --checkpoint the finished result', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'out.wav');
    const stopped = await interrupt([speech, plucks, '-o', out, ...short, '--no-quality'], 1, 'phase    0/');
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('restyle: interrupted');
    expect(readdirSync(dir)).toEqual([]);
    // Before, --checkpoint wrote nothing here: only a cancel while optimising had a result to save.
    const saved = await interrupt([speech, plucks, '-o', out, ...short, '--no-quality', '--checkpoint'], 1, 'phase    0/');
    expect(saved.code).toBe(130);
    expect(saved.stderr).toMatch(/restyle: wrote the result after \d+ iteration\(s\) to /);
    const clip = await decodeAudio(new Uint8Array(readFileSync(out)), out);
    const content = await decodeAudio(new Uint8Array(readFileSync(speech)), speech);
    expect(clip.channels[0].length).toBe(content.channels[0].length);
  });

  it('while the quality is measured: exit 130 and nothing written, not a finished run', async () => {
    // Before, the measures went on, the file was written and the exit code was 0 after "stopping after this step".
    const dir = tempDir();
    const r = await interrupt([speech, plucks, '-o', path.join(dir, 'out.wav'), ...short], 1, 'phase    8/');
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('restyle: interrupted');
    expect(r.stderr).not.toContain('restyle: wrote');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a second Ctrl-C exits at once', async () => {
    const dir = tempDir();
    const r = await interrupt([speech, plucks, '-o', path.join(dir, 'out.wav'), ...long], 2);
    expect(r.code).toBe(130);
    expect(existsSync(path.join(dir, 'out.wav'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
