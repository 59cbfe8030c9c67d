// Worker for fuzz.test.ts: decodes seeded mutations of valid files and reports each outcome, so the main thread can
// time-bound every case (a hang in a wasm decoder cannot be interrupted from inside the same thread).
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { decodeAudio } from '../dist/audio/decode.js';
import { Random } from '../dist/dsp/random.js';
import { InputError } from '../dist/errors.js';

const { files, perFile, seed } = workerData;
const EXTREMES = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0xffff];

/** One seeded mutation of `bytes`: byte flips, truncation, extreme header fields, inserted or deleted runs. */
function mutate(bytes, rng) {
  const pick = (n) => Math.floor(rng.uniform() * n);
  let b = Uint8Array.from(bytes);
  const kind = pick(5);
  if (kind === 0) {
    for (let i = 0, n = 1 + pick(8); i < n; i++) b[pick(b.length)] ^= 1 << pick(8);
  } else if (kind === 1) {
    b = b.slice(0, pick(b.length));
  } else if (kind === 2) {
    const at = pick(Math.min(64, b.length - 4));
    new DataView(b.buffer).setUint32(at, EXTREMES[pick(EXTREMES.length)], true);
  } else if (kind === 3) {
    const at = pick(b.length);
    const run = Uint8Array.from({ length: 1 + pick(64) }, () => pick(256));
    const out = new Uint8Array(b.length + run.length);
    out.set(b.subarray(0, at));
    out.set(run, at);
    out.set(b.subarray(at), at + run.length);
    b = out;
  } else {
    const at = pick(b.length);
    b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(Math.min(b.length, at + 1 + pick(256)))]);
  }
  return b;
}

const rng = new Random(seed);
let index = 0;
for (const file of files) {
  const original = new Uint8Array(readFileSync(file));
  for (let k = 0; k < perFile; k++, index++) {
    const bytes = mutate(original, rng);
    parentPort.postMessage({ index, file, started: true });
    let outcome;
    try {
      const clip = await decodeAudio(bytes, 'fuzzed');
      const n = clip.channels[0].length;
      const sane = clip.sampleRate > 0 && clip.channels.every((c) => c.length === n && c.every(Number.isFinite));
      outcome = sane ? 'decoded' : 'insane output';
    } catch (err) {
      outcome = err instanceof InputError && /^fuzzed: /.test(err.message) && !err.message.includes('\n') ? 'clear error' : `crash: ${err?.stack ?? err}`;
    }
    parentPort.postMessage({ index, file, outcome });
  }
}
parentPort.postMessage({ done: true });
