/** What the browser tests and `npm run bench:web` share: Chromium, the preview server of the built app, a run's end. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';
import { root } from './cli-helpers.js';

/** Chromium to drive: $CHROMIUM_PATH, else Debian's or Ubuntu's package. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** Serves web/dist (built by `npm run web:build`) with the app's COOP/COEP headers on a free local port. */
export async function startPreview(): Promise<PreviewServer> {
  if (!existsSync(path.join(root, 'web/dist/index.html'))) throw new Error('web/dist is missing: run `npm run web:build` (npm test does)');
  return preview({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'silent', preview: { port: 0, host: '127.0.0.1' } });
}

/** Launches headless Chromium with `extraArgs`. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!CHROMIUM_PATH) throw new Error('no Chromium found: run `bash scripts/ensure-chromium.sh` (npm test does) or set CHROMIUM_PATH');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-dev-shm-usage', ...extraArgs] });
}

/** Opens the app served by `server` in `page`, waits until it is ready, and chooses the content and style files. */
export async function openWithFiles(page: Page, server: PreviewServer, files: { content: string; style: string }): Promise<void> {
  await page.goto(server.resolvedUrls!.local[0]);
  await page.waitForSelector('body[data-ready=true]');
  await page.setInputFiles('#content-file', files.content);
  await page.setInputFiles('#style-file', files.style);
}

/**
 * Clicks Run with the page's run state cleared first, so that runFinished waits for this run's end and never takes
 * the previous run's 'done' (a full suite once read a previous run's result duration where this one's was due).
 */
export async function startRun(page: Page): Promise<void> {
  await page.evaluate(() => {
    const text = document.getElementById('progress-text');
    if (text) text.dataset.stage = '';
  });
  await page.click('#run');
}

/** Waits until the page's run ended: done, failed or cancelled (timeout 0 waits for ever). */
export function runFinished(page: Page, timeout = 90_000): Promise<unknown> {
  return page.waitForFunction(() => ['done', 'failed', 'cancelled'].includes(document.getElementById('progress-text')?.dataset.stage ?? ''), null, { timeout });
}
