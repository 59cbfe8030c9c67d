/**
 * `npm run bench:web-responsiveness`: what a user of the web app waits for, in headless Chromium on WebAssembly.
 *   - the first run of a fresh page, from the click, with Run clicked 0, 2.5, 4, 6 and 20 s after the page was ready
 *     (10 s speech + plucks, defaults): the worker's warm-up and its preparation of the run's nets come before;
 *   - Chromium's memory (the RSS of all its processes) once the idle page has prepared the nets, and after a run;
 *   - how long a Cancel takes: 1 s into a first run (the nets being made), and 3 s into a 120 s clip's first step
 *     (2048 filters, a chunked step).
 *   npm run bench:web-responsiveness -- [--delays 0,2500,4000,6000,20000] [--skip first,memory,cancel]
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { writeBenchClips } from './clips.js';
import { launchChromium, openWithFiles, runFinished, startPreview, startRun } from '../test/browser.js';

const { values } = parseArgs({
  options: {
    delays: { type: 'string', default: '0,2500,4000,6000,20000' },
    skip: { type: 'string', default: '' },
  },
});
const skip = new Set(values.skip.split(',').filter(Boolean));
const [ten, long] = await writeBenchClips([10, 120]);
const server = await startPreview();
console.log(`# machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}`);

/** A fresh browser on the app with `clip` chosen and WebAssembly selected, given to `work`. */
async function withPage(clip: { content: string; style: string }, work: (page: Page) => Promise<void>): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await openWithFiles(page, server, clip);
    await page.selectOption('#setting-backend', 'wasm');
    await work(page);
  } finally {
    await browser.close();
  }
}

/** Chromium's processes' resident memory together, in GB (shared pages counted once per process). */
function chromiumRssGb(): number {
  const kib = execFileSync('ps', ['-C', 'chromium', '-o', 'rss='], { encoding: 'utf8' })
    .split('\n')
    .reduce((sum, line) => sum + (Number(line.trim()) || 0), 0);
  return kib / 2 ** 20;
}

/** Clicks Run, waits for the end, and says after how many seconds from the click. */
async function timedRun(page: Page): Promise<string> {
  const t = performance.now();
  await startRun(page);
  await runFinished(page, 0);
  return `${await page.textContent('#progress-text')} (${((performance.now() - t) / 1000).toFixed(1)} s from the click)`;
}

/** Clicks Cancel `afterMs` after `ready` resolved, and says how long the page took to say so. */
async function timedCancel(page: Page, ready: Promise<unknown>, afterMs: number): Promise<string> {
  await ready;
  await page.waitForTimeout(afterMs);
  const at = await page.textContent('#progress-text');
  const t = performance.now();
  await page.click('#cancel');
  await runFinished(page, 0);
  return `${await page.textContent('#progress-text')} ${(performance.now() - t).toFixed(0)} ms after a click at "${at}"`;
}

try {
  if (!skip.has('first')) {
    for (const delay of values.delays.split(',').map(Number)) {
      await withPage(ten, async (page) => {
        await page.waitForTimeout(delay);
        console.log(`first run, Run clicked ${delay} ms after the page was ready: ${await timedRun(page)}`);
      });
    }
  }
  if (!skip.has('memory')) {
    await withPage(ten, async (page) => {
      await page.waitForSelector('body[data-prepared=true]', { timeout: 0 });
      const prepared = chromiumRssGb();
      await timedRun(page);
      await page.waitForTimeout(3000);
      console.log(`Chromium RSS: ${prepared.toFixed(2)} GB with the nets prepared, ${chromiumRssGb().toFixed(2)} GB after a run`);
    });
  }
  if (!skip.has('cancel')) {
    await withPage(ten, async (page) => {
      await page.fill('#setting-seed', '5'); // nets nobody prepared
      await startRun(page);
      console.log(`cancel in a first run: ${await timedCancel(page, Promise.resolve(), 1000)}`);
    });
    await withPage(long, async (page) => {
      await page.fill('#setting-filters', '2048');
      await startRun(page);
      const optimising = page.waitForFunction(() => document.getElementById('progress-text')?.dataset.stage === 'optimise', null, { timeout: 0 });
      console.log(`cancel in a 120 s clip's step: ${await timedCancel(page, optimising, 3000)}`);
    });
  }
} finally {
  await server.close();
}
