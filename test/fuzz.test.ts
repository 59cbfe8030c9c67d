import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import path from 'node:path';

const fixtures = path.resolve(new URL('./fixtures', import.meta.url).pathname);
const FILES = ['wav16.wav', 'mp3.mp3', 'flac.flac', 'vorbis.ogg'].map((f) => path.join(fixtures, f));
const PER_FILE = 250; // 1,000 cases in all
const CASE_TIMEOUT_MS = 10_000;

interface Outcome {
  index: number;
  file: string;
  outcome: string;
}

/** Runs every case in a worker; fails a case that takes longer than CASE_TIMEOUT_MS (a hang) by terminating it. */
function fuzz(seed: number): Promise<Outcome[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./fuzz-worker.js', import.meta.url), { workerData: { files: FILES, perFile: PER_FILE, seed } });
    const outcomes: Outcome[] = [];
    let timer: NodeJS.Timeout | undefined;
    worker.on('message', (m: { done?: boolean; started?: boolean } & Outcome) => {
      clearTimeout(timer);
      if (m.done) {
        void worker.terminate();
        resolve(outcomes);
      } else if (m.started) {
        timer = setTimeout(() => {
          void worker.terminate();
          reject(new Error(`case ${m.index} (mutation of ${path.basename(m.file)}, seed ${seed}) hung for ${CASE_TIMEOUT_MS} ms`));
        }, CASE_TIMEOUT_MS);
      } else {
        outcomes.push(m);
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      clearTimeout(timer);
      if (outcomes.length < FILES.length * PER_FILE) reject(new Error(`fuzz worker exited (code ${code}) after ${outcomes.length} cases`));
    });
  });
}

describe('decoder fuzzing', () => {
  it('1,000 seeded mutations of WAV, MP3, FLAC and OGG files: no crash, no hang, only clear one-line errors', async () => {
    const outcomes = await fuzz(20261125);
    expect(outcomes).toHaveLength(1000);
    const bad = outcomes.filter((o) => o.outcome !== 'decoded' && o.outcome !== 'clear error');
    expect(bad.map((o) => `${path.basename(o.file)} #${o.index}: ${o.outcome}`)).toEqual([]);
    // Both kinds of outcome occur, so the mutations reach the decoders rather than all failing at the door.
    expect(outcomes.some((o) => o.outcome === 'decoded')).toBe(true);
    expect(outcomes.some((o) => o.outcome === 'clear error')).toBe(true);
  }, 300_000);
});
