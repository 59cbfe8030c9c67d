/**
 * Benchmark inputs of any length, made from the bundled examples by looping them (no external tools):
 * npx tsx bench/clips.ts 10 60  ->  out/bench/speech-10s.wav, out/bench/plucks-10s.wav, ... (22.05 kHz, 16-bit).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { decodeAudio, toMono, encodeWav } from '../src/index.js';

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

if (import.meta.url === `file://${process.argv[1]}`) {
  const lengths = process.argv.slice(2).map(Number);
  for (const p of await writeBenchClips(lengths.length ? lengths : [10])) console.log(p.content, p.style);
}
