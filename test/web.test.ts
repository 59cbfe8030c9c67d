// The web app in a real browser: Debian's Chromium, headless, driven by playwright-core, on the built static files
// served by Vite's preview server (with the COOP/COEP headers a deployment needs). npm test builds web/dist and
// installs Chromium first (scripts/ensure-chromium.sh).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { PNG } from 'pngjs';
import { decodeAudio } from '../src/audio/decode.js';
import { encodeWav } from '../src/audio/wav.js';
import { loopedExample } from '../bench/clips.js';
import type { RunReport } from '../src/pipeline/assess.js';
import { root } from './cli-helpers.js';
import { launchChromium, runFinished, startPreview, startRun } from './browser.js';

const content = path.join(root, 'test/fixtures/wav16.wav');
/** What a report holds, the CLI's --report as the web app's download (both are pipeline/assess.ts's runReport). */
const REPORT_KEYS = ['channels', 'durationSeconds', 'inputs', 'loss', 'msPerEvaluation', 'optimiser', 'output', 'peaks', 'quality', 'sampleRate', 'settings', 'spectralConvergenceDb', 'timingsMs', 'warnings'];
const style = path.join(root, 'test/fixtures/vorbis.ogg');

let server: PreviewServer;
let origin: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Requests the page made to anywhere but its own origin (or blob:/data: URLs it made itself). */
let foreignRequests: string[];
let pageErrors: string[];

async function setSetting(name: string, value: string): Promise<void> {
  await page.fill(`#setting-${name}`, value);
}

beforeAll(async () => {
  server = await startPreview();
  origin = new URL(server.resolvedUrls!.local[0]).origin;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  await context?.close();
  context = await browser.newContext({ acceptDownloads: true });
  page = await context.newPage();
  foreignRequests = [];
  pageErrors = [];
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith('blob:') && !url.startsWith('data:')) foreignRequests.push(url);
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(origin + '/');
  await page.waitForSelector('body[data-ready=true]');
});

describe('web app', () => {
  it('is cross-origin isolated, says which backend runs, and loads the bundled examples from its own origin', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await page.waitForFunction(() => document.getElementById('backend')?.dataset.state !== 'unknown');
    // Headless Chromium without a GPU has no (hardware) WebGPU adapter: the page says so and runs on wasm threads.
    expect(await page.textContent('#backend')).toMatch(/^Compute: (WebGPU \(.+\)|WebAssembly, \d+ threads?)$/);
    await page.waitForFunction(() => document.getElementById('style-name')?.textContent?.startsWith('plucks.wav'));
    expect(await page.textContent('#content-name')).toMatch(/^speech\.wav \(\d+ KB\)$/);
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('restyles two small files, shows the result with the content duration, and downloads it as WAV and FLAC, with its report and picture', async () => {
    await page.setInputFiles('#content-file', content);
    await page.setInputFiles('#style-file', style);
    await page.waitForFunction(() => document.getElementById('style-name')?.textContent?.startsWith('vorbis.ogg'));
    await setSetting('iterations', '3');
    await setSetting('filters', '128');
    await startRun(page);
    await runFinished(page);
    expect(await page.textContent('#error')).toBe('');
    expect(await page.getAttribute('#progress-text', 'data-stage')).toBe('done');

    const expected = decodeAudio(new Uint8Array(readFileSync(content)), 'content');
    const seconds = (await expected).channels[0].length / (await expected).sampleRate;
    expect(Number(await page.getAttribute('#result', 'data-duration'))).toBeCloseTo(seconds, 2);
    expect(await page.textContent('#summary')).toMatch(/style gain -?\d\.\d{3}( \(style's own halves -?\d\.\d{3}\))? under held-out nets, content correlation \d\.\d{3}/);
    // The content (wav16.wav) is 44.1 kHz, brought to the working 22.05 kHz: the summary says so.
    expect(await page.textContent('#summary')).toMatch(/^0\.50 s, stereo, 22050 Hz from 44100 Hz, in /);
    // The report picture (content, style, result spectrograms and loss curve) was drawn.
    const picture = await page.evaluate(() => {
      const c = document.getElementById('report') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let coloured = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i + 1] !== d[i + 2]) coloured++;
      return { width: c.width, height: c.height, coloured };
    });
    expect(picture.width).toBeGreaterThan(800);
    expect(picture.coloured).toBeGreaterThan(10_000);
    // The live loss curve: one segment per round (the default 3) and channel (the content is stereo), in the order they
    // ran, not one line through all the rounds' nets.
    expect(await page.getAttribute('#loss', 'data-segments')).toBe(['1 · left', '1 · right', '2 · left', '2 · right', '3 · left', '3 · right'].map((s) => `round ${s}`).join(','));

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('wav16-in-vorbis-style.wav');
    const bytes = new Uint8Array(readFileSync(await download.path()));
    const wav = await decodeAudio(bytes, 'download');
    expect(wav.sampleRate).toBe(22050);
    expect(Math.abs(wav.channels[0].length / wav.sampleRate - seconds)).toBeLessThan(0.01);
    expect(wav.channels[0].some((v) => v !== 0)).toBe(true);

    // FLAC: encoded in the worker by libFLAC, whose script is loaded then (from this origin), and holding the WAV's
    // very 16-bit samples. audio-decode scales FLAC's integers by 1/32767 and the WAV's as wav-encoder wrote them.
    const [flacDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-flac')]);
    expect(flacDownload.suggestedFilename()).toBe('wav16-in-vorbis-style.flac');
    const flacBytes = new Uint8Array(readFileSync(await flacDownload.path()));
    expect(new TextDecoder().decode(flacBytes.subarray(0, 4))).toBe('fLaC');
    const flac = await decodeAudio(flacBytes, 'download.flac');
    const wavInts = wav.channels[0].map((v) => Math.round(v < 0 ? v * 32768 : v * 32767));
    const flacInts = flac.channels[0].map((v) => Math.round(v * 32767));
    expect(flac.sampleRate).toBe(22050);
    expect(flacInts.length).toBe(wavInts.length);
    expect(flacInts.every((v, i) => v === wavInts[i])).toBe(true);
    expect(await page.textContent('#download-note')).toMatch(/^FLAC: \d+ KB$/);
    // A second click downloads the same file (the one encoded, kept until the next result).
    const [again] = await Promise.all([page.waitForEvent('download'), page.click('#download-flac')]);
    expect(new Uint8Array(readFileSync(await again.path()))).toEqual(flacBytes);

    // The report, as the CLI's --report writes it, and the picture, as --plot draws it.
    const [reportDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-report')]);
    expect(reportDownload.suggestedFilename()).toBe('wav16-in-vorbis-style.json');
    const report = JSON.parse(readFileSync(await reportDownload.path(), 'utf8')) as RunReport;
    expect(Object.keys(report).sort()).toEqual(REPORT_KEYS);
    expect(report.output).toBe('wav16-in-vorbis-style.wav');
    expect([report.inputs.content?.name, report.inputs.style.name]).toEqual(['wav16.wav', 'vorbis.ogg']);
    expect(report.settings).toMatchObject({ iterations: 3, filters: 128 });
    expect(report.durationSeconds).toBeCloseTo(seconds, 2);
    expect(report.loss.history.length).toBeGreaterThan(1);
    expect(report.quality?.contentCorrelation).toBeGreaterThan(0);
    expect(await page.textContent('#summary')).toContain(`content correlation ${report.quality!.contentCorrelation.toFixed(3)}`);
    const [pictureDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-picture')]);
    expect(pictureDownload.suggestedFilename()).toBe('wav16-in-vorbis-style.png');
    const png = PNG.sync.read(readFileSync(await pictureDownload.path()));
    expect([png.width, png.height]).toEqual([picture.width, picture.height]);

    mkdirSync(path.join(root, 'out'), { recursive: true });
    await page.screenshot({ path: path.join(root, 'out/web-screenshot.png'), fullPage: true });
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('runs Griffin-Lim on Web Workers nested in the transfer worker, for a clip long enough to split', async () => {
    // 8 s of the bundled speech, looped: 345 frames, over the 256 at which the threads start.
    const { samples, sampleRate } = await loopedExample('speech', 8);
    const file = path.join(root, 'out/web-test/speech-8s.wav');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, await encodeWav([samples], sampleRate));
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(w.url()));
    await page.setInputFiles('#content-file', file);
    await page.waitForFunction(() => document.getElementById('content-name')?.textContent?.startsWith('speech-8s.wav'));
    await setSetting('iterations', '2');
    await setSetting('filters', '128');
    await startRun(page);
    await runFinished(page);
    expect(await page.textContent('#error')).toBe('');
    const said = `${await page.getAttribute('#progress-text', 'data-stage')}: ${await page.textContent('#summary')}`;
    expect(Number(await page.getAttribute('#result', 'data-duration')), said).toBeCloseTo(8, 2);
    // One per core (up to 8) and the keeper, where the page has two cores or more (CI has two).
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(workers.filter((url) => url.includes('griffin-lim-worker')).length).toBe(cores >= 2 ? Math.min(cores, 8) + 1 : 0);
    expect(pageErrors).toEqual([]);
  });

  it("prepares the nets of the settings shown, and runs again with the last run's nets kept in the worker: the same WAV to the byte, and another seed's nets for another seed", async () => {
    await page.waitForFunction(() => document.getElementById('style-name')?.textContent?.startsWith('plucks.wav'));
    await setSetting('iterations', '2');
    await setSetting('filters', '128');
    // The inputs are chosen: the page asks the worker for the nets of the settings now shown, and the first run uses them.
    await page.waitForSelector('body[data-prepared=true]');
    const wav = async (): Promise<Buffer> => {
      await startRun(page);
      await runFinished(page);
      expect(await page.getAttribute('#progress-text', 'data-stage')).toBe('done');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
      return readFileSync(await download.path());
    };
    const first = await wav();
    expect((await wav()).equals(first)).toBe(true);
    await setSetting('seed', '1');
    expect((await wav()).equals(first)).toBe(false);
    await setSetting('seed', '0');
    expect((await wav()).equals(first)).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('keeps peaks past full scale in a 32-bit float WAV with “If it would clip” none, and offers FLAC again after a limited run', async () => {
    await page.waitForFunction(() => document.getElementById('style-name')?.textContent?.startsWith('plucks.wav'));
    // Speech in plucks at these settings peaks past full scale (1.09 in the command line's run).
    await page.click('details summary'); // More settings
    for (const [name, value] of [['iterations', '3'], ['filters', '64'], ['kernel', '5'], ['phaseIterations', '4']]) await setSetting(name, value);
    const run = async (peakControl: string): Promise<{ wav: Buffer; report: RunReport }> => {
      await page.selectOption('#setting-peakControl', peakControl);
      await startRun(page);
      await runFinished(page);
      expect(await page.textContent('#error')).toBe('');
      const [wav] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
      const [report] = await Promise.all([page.waitForEvent('download'), page.click('#download-report')]);
      return { wav: readFileSync(await wav.path()), report: JSON.parse(readFileSync(await report.path(), 'utf8')) as RunReport };
    };
    const peakOf = async (wav: Buffer): Promise<number> => (await decodeAudio(new Uint8Array(wav), 'download')).channels[0].reduce((m, v) => Math.max(m, Math.abs(v)), 0);

    const kept = await run('none');
    expect(kept.wav.readUInt16LE(20)).toBe(3); // WAVE_FORMAT_IEEE_FLOAT
    const keptPeak = await peakOf(kept.wav);
    expect(keptPeak).toBeGreaterThan(1);
    expect(kept.report.peaks).toEqual({ control: 'none', peak: keptPeak, reductionDb: 0, affectedFraction: 0 });
    expect(await page.textContent('#summary')).toContain(`peak ${keptPeak.toFixed(3)} kept (`);
    expect(await page.isVisible('#download-flac')).toBe(false);
    expect(await page.textContent('#download-note')).toBe('WAV: 32-bit float, peaks past full scale kept');

    const limited = await run('limit');
    expect(limited.wav.readUInt16LE(20)).toBe(1); // 16-bit PCM
    expect(await peakOf(limited.wav)).toBeLessThanOrEqual(1);
    expect(limited.report.peaks).toMatchObject({ control: 'limit' });
    expect(limited.report.peaks.reductionDb).toBeGreaterThan(0);
    expect(await page.textContent('#summary')).toMatch(/peak 1\.\d+ limited by up to \d\.\d+ dB/);
    expect(await page.isVisible('#download-flac')).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('reports progress while optimising, and cancel stops the worker, which then runs again without the quality measures', async () => {
    await page.waitForFunction(() => document.getElementById('style-name')?.textContent?.startsWith('plucks.wav'));
    await setSetting('iterations', '500');
    await setSetting('filters', '512');
    await startRun(page);
    // Two progress updates with growing steps, then the live loss curve has points.
    await page.waitForFunction(() => (document.getElementById('progress') as HTMLProgressElement).value >= 3, null, { timeout: 60_000 });
    expect(await page.textContent('#progress-text')).toMatch(/^Optimising \d+\/\d+ · loss \d\.\d{3}e[+-]\d+ · elapsed .+ · ETA .+$/);
    expect(await page.isDisabled('#run')).toBe(true);
    const clicked = Date.now();
    await page.click('#cancel');
    await runFinished(page, 10_000);
    expect(Date.now() - clicked).toBeLessThan(5_000);
    expect(await page.getAttribute('#progress-text', 'data-stage')).toBe('cancelled');
    expect(await page.isHidden('#result')).toBe(true);
    expect(await page.isEnabled('#run')).toBe(true);
    // The worker is free again: a short run completes.
    await setSetting('iterations', '2');
    await setSetting('filters', '64');
    // This time without the held-out measures (the CLI's --no-quality): no quality in the summary or the report.
    await page.click('details summary');
    await page.uncheck('#setting-quality');
    await startRun(page);
    await runFinished(page);
    expect(await page.getAttribute('#progress-text', 'data-stage')).toBe('done');
    expect(await page.textContent('#summary')).not.toContain('style gain');
    const [reportDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-report')]);
    const report = JSON.parse(readFileSync(await reportDownload.path(), 'utf8')) as RunReport;
    expect(report.quality).toBeNull();
    expect(report.timingsMs.assess).toBeLessThan(1000); // only the written audio's spectrogram, for the picture
  });

  it('synthesises a texture with no content, as --duration: its length, its own defaults (iterations, rounds, rhythm weight), the style distance', async () => {
    await page.waitForFunction(() => document.getElementById('style-name')?.textContent?.startsWith('plucks.wav'));
    // The form shows the mode's default: 12 iterations for style transfer, 40 for a texture, and back.
    expect(await page.inputValue('#setting-iterations')).toBe('12');
    expect(await page.inputValue('#setting-rounds')).toBe('3');
    expect(await page.inputValue('#setting-rhythmWeight')).toBe('0');
    await page.check('#texture-mode');
    expect(await page.inputValue('#setting-iterations')).toBe('40');
    expect(await page.inputValue('#setting-rounds')).toBe('8');
    expect(await page.inputValue('#setting-rhythmWeight')).toBe('1');
    expect(await page.isDisabled('#content-file')).toBe(true);
    await page.uncheck('#texture-mode');
    expect(await page.inputValue('#setting-iterations')).toBe('12');
    expect(await page.inputValue('#setting-rhythmWeight')).toBe('0');
    await page.check('#texture-mode');
    await page.fill('#texture-seconds', '1.5');
    await setSetting('iterations', '3');
    await setSetting('filters', '128');
    await startRun(page);
    await runFinished(page);
    expect(await page.textContent('#error')).toBe('');
    expect(Number(await page.getAttribute('#result', 'data-duration'))).toBeCloseTo(1.5, 2);
    expect(await page.textContent('#summary')).toMatch(/style distance \d\.\d{3} \(style's own halves \d\.\d{3}\) under held-out nets, replay correlation -?\d\.\d{3}/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-report')]);
    expect(download.suggestedFilename()).toBe('plucks-texture.json');
    const report = JSON.parse(readFileSync(await download.path(), 'utf8')) as RunReport;
    expect(report.settings.iterations).toBe(3);
    expect(report.settings).toMatchObject({ rounds: 8, rhythmWeight: 1 });
    expect(report.quality?.rhythmDistance).toBeNull(); // NaN: 1.5 s is too short to measure a pulse
    expect(report.inputs.content).toBeUndefined();
    expect(report.inputs.style).toMatchObject({ sampleRate: 22050, channels: 1 });
    expect(report.quality?.styleDistance).toBeGreaterThan(0);
    expect(report.quality?.styleReplayCorrelation).toBeTypeOf('number');
    expect(report.quality?.styleGain).toBeNull(); // NaN: no content to gain from
  });

  it("records from the microphone into a WAV input (Chromium's fake device: a beep)", async () => {
    const micBrowser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream']);
    try {
      const micPage = await micBrowser.newPage();
      await micPage.goto(origin + '/');
      await micPage.waitForSelector('body[data-ready=true]');
      await micPage.click('#content-record');
      await micPage.waitForFunction(() => document.getElementById('content-record')?.classList.contains('recording'));
      await micPage.waitForTimeout(1500);
      await micPage.click('#content-record');
      await micPage.waitForFunction(() => document.getElementById('content-name')?.textContent?.startsWith('recording-content.wav'), null, { timeout: 10_000 });
      expect(await micPage.textContent('#error')).toBe('');
      // The recording is a real input: its player knows its length (about the 1.5 s recorded).
      const seconds = await micPage.evaluate(async () => {
        const audio = document.getElementById('content-audio') as HTMLAudioElement;
        if (!Number.isFinite(audio.duration) || audio.duration === 0) await new Promise((r) => audio.addEventListener('loadedmetadata', r, { once: true }));
        return audio.duration;
      });
      expect(seconds).toBeGreaterThan(1);
      expect(seconds).toBeLessThan(3);
    } finally {
      await micBrowser.close();
    }
  });

  it('takes a dropped file, and names an unreadable one in a one-line message', async () => {
    const dataTransfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['these are not samples\n'], 'notes.wav', { type: 'audio/wav' }));
      return dt;
    });
    await page.dispatchEvent('#content-box label.drop', 'drop', { dataTransfer });
    await page.waitForFunction(() => document.getElementById('content-name')?.textContent?.startsWith('notes.wav'));
    await startRun(page);
    await runFinished(page);
    expect(await page.getAttribute('#progress-text', 'data-stage')).toBe('failed');
    const message = await page.textContent('#error');
    expect(message).toMatch(/^notes\.wav: /);
    expect(message).not.toContain('\n');
    expect(message).not.toMatch(/\bat .+:\d+:\d+/); // no stack trace
  });

  it('keeps a file dropped while the start-up example is still loading: the last choice wins, not the last to arrive', async () => {
    // The bundled speech example's fetch is held until the user has dropped a file; then it is let through. Before the
    // fix the late example replaced the dropped file (and a run restyled speech.wav, which this suite once caught).
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/speech[^/]*\.wav$/, async (route) => {
      await held;
      await route.continue();
    });
    await page.reload();
    await page.waitForSelector('body[data-ready=true]');
    await page.waitForFunction(() => document.getElementById('style-name')?.textContent?.startsWith('plucks.wav'));
    expect(await page.textContent('#content-name')).not.toMatch(/^speech/);
    const dataTransfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(44)], 'mine.wav', { type: 'audio/wav' }));
      return dt;
    });
    await page.dispatchEvent('#content-box label.drop', 'drop', { dataTransfer });
    await page.waitForFunction(() => document.getElementById('content-name')?.textContent?.startsWith('mine.wav'));
    const example = page.waitForResponse(/\/speech[^/]*\.wav$/);
    release();
    await (await example).finished();
    // The page has read the example's body by the time its next task runs; give it a few to be sure.
    await page.waitForTimeout(300);
    expect(await page.textContent('#content-name')).toMatch(/^mine\.wav /);
    // A later choice of the example itself is taken as usual.
    await page.click('#content-examples button[data-example=melody]');
    await page.waitForFunction(() => document.getElementById('content-name')?.textContent?.startsWith('melody.wav'));
  });

  it('runs the WebGPU backend on a software adapter and agrees with WebAssembly on the loss', async () => {
    // The GPU path, on the only GPU here: Chromium's SwiftShader, offered only with --enable-unsafe-swiftshader. The
    // first loss is the objective at the content's own spectrogram, the same function on both backends.
    const gpuBrowser = await launchChromium(['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader']);
    try {
      const gpuPage = await gpuBrowser.newPage();
      await gpuPage.goto(origin + '/');
      await gpuPage.waitForSelector('body[data-ready=true]');
      await gpuPage.setInputFiles('#content-file', content);
      await gpuPage.setInputFiles('#style-file', style);
      await gpuPage.waitForFunction(() => document.getElementById('style-name')?.textContent?.startsWith('vorbis.ogg'));
      // SwiftShader runs shaders on the CPU: the smallest run that still optimises (two iterations in one round).
      await gpuPage.fill('#setting-iterations', '2');
      await gpuPage.fill('#setting-filters', '32');
      await gpuPage.click('summary'); // "More settings"
      await gpuPage.fill('#setting-rounds', '1');
      const losses: Record<string, number[]> = {};
      for (const backend of ['wasm', 'webgpu']) {
        await gpuPage.selectOption('#setting-backend', backend);
        await startRun(gpuPage);
        await runFinished(gpuPage, 120_000);
        expect(await gpuPage.textContent('#error')).toBe('');
        expect(await gpuPage.getAttribute('#progress-text', 'data-stage')).toBe('done');
        losses[backend] = [Number(await gpuPage.getAttribute('#result', 'data-initial-loss')), Number(await gpuPage.getAttribute('#result', 'data-final-loss'))];
      }
      expect(await gpuPage.textContent('#backend')).toBe('Compute: WebGPU (google swiftshader, software)');
      const notes = await gpuPage.textContent('#notes');
      expect(notes).toMatch(/software adapter/);
      // The weights were kept on the GPU across runs (runtime.residentInputs), not refused and copied every run.
      expect(notes).not.toMatch(/cannot be kept on the device/);
      expect(Math.abs(losses.webgpu[0] / losses.wasm[0] - 1)).toBeLessThan(1e-3);
      expect(Math.abs(losses.webgpu[1] / losses.wasm[1] - 1)).toBeLessThan(0.05);
    } finally {
      await gpuBrowser.close();
    }
  });

  it('shows the FFT size and hop that a new sample rate gets, unless they were typed', async () => {
    const shown = async () => [await page.inputValue('#setting-nFft'), await page.inputValue('#setting-hop')];
    expect(await shown()).toEqual(['2048', '512']);
    // The field suggests the default rate and the two full-band ones.
    expect(await page.$$eval('datalist#sample-rates option', (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['22050', '44100', '48000']);
    expect(await page.getAttribute('#setting-sampleRate', 'list')).toBe('sample-rates');
    await setSetting('sampleRate', '44100');
    expect(await shown()).toEqual(['4096', '1024']);
    await page.click('summary:has-text("More settings")');
    await setSetting('nFft', '8192');
    await setSetting('sampleRate', '22050');
    expect(await shown()).toEqual(['8192', '512']);
    await setSetting('sampleRate', '3'); // not a rate: the run will name it, the form keeps what it shows
    expect(await shown()).toEqual(['8192', '512']);
  });

  it("refuses an invalid setting with its valid range, naming it by the form's label", async () => {
    await setSetting('iterations', '-1');
    await startRun(page);
    await runFinished(page);
    expect(await page.textContent('#error')).toMatch(/“Iterations” -1: must be an integer in \[0, 100000\]/);
  });

  it('warns, as the run starts, when its memory comes near what the device reports', async () => {
    // Chromium reports at most 8 GB, and this machine has more: say it has half a gigabyte.
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'deviceMemory', { get: () => 0.5, configurable: true }));
    await page.reload();
    await page.waitForSelector('body[data-ready=true]');
    expect(await page.evaluate(() => (navigator as Navigator & { deviceMemory?: number }).deviceMemory)).toBe(0.5);
    await startRun(page);
    await page.waitForFunction(() => document.getElementById('notes')?.textContent?.includes('this run needs about'), null, { timeout: 30_000 });
    // The bundled example at the defaults: about 0.9 GB for the page's arrays and 0.7 GB in WebAssembly's heap.
    expect(await page.textContent('#notes')).toMatch(
      /this run needs about 1\.\d GB of memory and this device reports about 0\.5 GB: the page may run out of memory and close; a lower sample rate, fewer filters or a shorter clip need less$/,
    );
    expect(await page.getAttribute('#progress-text', 'data-stage')).not.toBe('failed'); // a warning, not a refusal
    await page.click('#cancel');
    await runFinished(page);
  });

  it("refuses at once a run that would overflow WebAssembly's 4 GiB memory, saying what to change in the form's words", async () => {
    // Before this check, 16384 filters at 44.1 kHz ran 20 s and failed with "offset is out of bounds".
    await page.reload();
    await page.waitForSelector('body[data-ready=true]');
    await setSetting('filters', '16384');
    await setSetting('sampleRate', '96000'); // 44.1 kHz fits since the default kernel is 7 (memory.test)
    const started = Date.now();
    await startRun(page);
    await runFinished(page);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await page.textContent('#error')).toMatch(
      /^this run needs about \d\.\d GB inside onnxruntime, whose memory here stops at 4\.0 GB: use fewer “Filters” \(now 16384\), a smaller “FFT size” \(now 8192\) or a lower “Sample rate \(Hz\)” \(now 96000\)$/,
    );
  });
});
