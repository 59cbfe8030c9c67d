/**
 * `npm run bench:web`: the web app's wasm backend in headless Chromium against onnxruntime-node on the CPU, same
 * clips, same settings, same machine, one run. The browser side drives the real page (built web/dist, served with
 * COOP/COEP so wasm runs threaded) and reads the figures the page shows; the Node side calls the library. The page's
 * runs start once it has prepared their nets (body[data-prepared]), as they would for a user who chose files and
 * settings first.
 *
 *   npm run bench:web -- [--seconds 10] [--iterations 12] [--filters 4096] [--repeats 1]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_SETTINGS, transfer } from '../src/node/index.js';
import { audioFile, writeBenchClips } from './clips.js';
import { launchChromium, openWithFiles, runFinished, startPreview, startRun } from '../test/browser.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    iterations: { type: 'string', default: String(DEFAULT_SETTINGS.iterations) },
    filters: { type: 'string', default: '4096' },
    repeats: { type: 'string', default: '1' },
  },
});
const seconds = Number(values.seconds);
const iterations = Number(values.iterations);
const filters = Number(values.filters);
const repeats = Number(values.repeats);

const [clip] = await writeBenchClips([seconds]);
const threads = os.availableParallelism();
console.log(`# machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}`);
console.log(`# ${seconds} s speech + ${seconds} s plucks, ${filters} filters, kernel ${DEFAULT_SETTINGS.kernel}, ${iterations} iterations (defaults otherwise)`);

interface Row {
  side: string;
  msPerEvaluation: number;
  evaluations: number;
  totalMs: number;
}
const rows: Row[] = [];

// Browser: the real page, files set on its inputs, figures read from its result section.
const server = await startPreview();
const browser = await launchChromium();
const version = browser.version();
try {
  const page = await browser.newPage();
  await openWithFiles(page, server, clip);
  await page.fill('#setting-iterations', String(iterations));
  await page.fill('#setting-filters', String(filters));
  await page.selectOption('#setting-backend', 'wasm');
  // As a user who chose the files and settings, then clicked: the page has prepared the run's nets meanwhile (the
  // first run's figures depend on it; the time it took the idle page is printed).
  const waited = performance.now();
  await page.waitForSelector('body[data-prepared=true]', { timeout: 0 });
  console.log(`page prepared the nets ${((performance.now() - waited) / 1000).toFixed(1)} s after the settings were set`);
  for (let r = 0; r < repeats; r++) {
    await startRun(page);
    await runFinished(page, 0);
    if ((await page.getAttribute('#progress-text', 'data-stage')) !== 'done') throw new Error(`browser run failed: ${await page.textContent('#error')}`);
    const backend = (await page.textContent('#backend'))?.replace(/^Compute: /, '') ?? '';
    const summary = await page.textContent('#summary');
    rows.push({
      side: `Chromium ${version}, onnxruntime-web ${backend}`,
      msPerEvaluation: Number(await page.getAttribute('#result', 'data-ms-per-evaluation')),
      evaluations: Number(await page.getAttribute('#result', 'data-evaluations')),
      totalMs: Number(await page.getAttribute('#result', 'data-total-ms')),
    });
    console.log(`browser run ${r + 1}: ${summary}`);
  }
} finally {
  await browser.close();
  await server.close();
}

// Node: the library on onnxruntime-node's CPU backend, same inputs and settings.
for (let r = 0; r < repeats; r++) {
  const result = await transfer({
    content: audioFile(clip.content),
    style: audioFile(clip.style),
    iterations,
    filters,
    threads,
  });
  rows.push({ side: `Node ${process.version}, onnxruntime-node CPU, ${threads} threads`, msPerEvaluation: result.msPerEvaluation, evaluations: result.optimiser.evaluations, totalMs: result.timings.total });
  console.log(`node run ${r + 1}: ${result.optimiser.evaluations} evaluations, ${result.msPerEvaluation.toFixed(0)} ms each, ${(result.timings.total / 1000).toFixed(1)} s`);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sides = [...new Set(rows.map((r) => r.side))];
const node = median(rows.filter((r) => r.side.startsWith('Node')).map((r) => r.msPerEvaluation));
console.log('\n| runtime | ms per loss+gradient step (median) | evaluations | decode to result | step vs Node CPU |');
console.log('| --- | --- | --- | --- | --- |');
for (const side of sides) {
  const mine = rows.filter((r) => r.side === side);
  const step = median(mine.map((r) => r.msPerEvaluation));
  console.log(`| ${side} | ${step.toFixed(0)} | ${median(mine.map((r) => r.evaluations))} | ${(median(mine.map((r) => r.totalMs)) / 1000).toFixed(1)} s | ${(step / node).toFixed(2)}x |`);
}
