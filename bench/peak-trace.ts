/**
 * Where a run's peak memory is reached: the process's high-water mark (VmHWM, Linux) read at every progress event,
 * and the spans in which it grew by more than 10 MiB, each named by the event that began it. A peak that comes while
 * Griffin-Lim or a style pass runs, rather than in the evaluations that the memory estimate models, shows here (that is
 * how the released objective's uncollected arrays were found: docs/usage.md, "Robustness"). Run through tsx, whose loader adds
 * some memory of its own; compare spans, not totals, with the CLI's peak RSS.
 *   npx tsx bench/peak-trace.ts CONTENT STYLE [SETTINGS_JSON]      (CONTENT `none` for a texture, with "duration")
 *   e.g. npx tsx bench/clips.ts 150 && npx tsx bench/peak-trace.ts out/bench/speech-150s.wav out/bench/plucks-150s.wav
 */
import { readFileSync } from 'node:fs';
import type { ProgressEvent } from '../src/node/index.js';
import { transferFromArgs } from './transfer-args.js';

/** The process's peak resident memory so far, in KiB. */
function highWaterKiB(): number {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  if (!line) throw new Error('no VmHWM in /proc/self/status: this needs Linux');
  return Number(/(\d+) kB/.exec(line)?.[1]);
}

/** An event as the span it begins is named: its stage, what it announces (numbers folded) and its round. */
function nameOf(event: ProgressEvent): string {
  const activity = event.activity ? `: ${event.activity.replace(/\d+%/g, 'n%')}` : '';
  return `${event.stage}${activity}${event.round ? ` (round ${event.round})` : ''}`;
}

const t0 = performance.now();
let last = { kib: highWaterKiB(), name: 'start', at: 0 };
const grew = (kib: number, suffix = ''): void => {
  if (kib > last.kib + 10240) console.log(`${(last.at / 1000).toFixed(1).padStart(7)} s  +${String(kib - last.kib).padStart(8)} KiB to ${kib} KiB  during ${last.name}${suffix}`);
};
await transferFromArgs('npx tsx bench/peak-trace.ts CONTENT|none STYLE [SETTINGS_JSON]', (event) => {
  const kib = highWaterKiB();
  grew(kib);
  last = { kib: Math.max(kib, last.kib), name: nameOf(event), at: performance.now() - t0 };
});
const kib = highWaterKiB();
grew(kib, ', to the end');
console.log(`peak ${kib} KiB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
process.exit(0);
