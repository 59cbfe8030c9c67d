// The page: picks the inputs (file, drop, microphone, bundled example), builds the settings form from the library's
// own option table, runs the transfer in a Web Worker through TransferClient, and shows progress, the live loss
// curve, the result's player, download and report picture. No request leaves the page's own origin.
import speechUrl from '../examples/speech.wav?url';
import melodyUrl from '../examples/melody.wav?url';
import plucksUrl from '../examples/plucks.wav?url';
import drumsUrl from '../examples/drums.wav?url';
import textureUrl from '../examples/texture.wav?url';
// Only what the page needs, module by module: the runtime and the pipeline load in the worker, not here.
import { DEFAULT_SETTINGS, SETTING_HELP, SETTING_RANGES, TEXTURE_DEFAULTS, defaultSettings, describeRate, formatSetting, resolveSettings, stftDefaults, type TransferSettings } from '../src/pipeline/settings.js';
import { clockSince, formatSeconds, progressEta } from '../src/pipeline/eta.js';
import type { ProgressEvent, Stage } from '../src/pipeline/transfer.js';
import { encodeWav } from '../src/audio/wav.js';
import { describeQuality } from '../src/quality/report.js';
import { describePeaks } from '../src/pipeline/peaks.js';
import { TransferClient, RunFailure } from '../src/web/client.js';
import { WEB_BACKENDS, chooseBackend, detectCapabilities, memoryWarning, preparesAhead, type WebBackend } from '../src/web/capabilities.js';
import type { MemoryEstimate } from '../src/pipeline/memory.js';
import type { AudioMessage, FileInput, ResultMessage } from '../src/web/protocol.js';
import { inFormWords } from '../src/web/wording.js';

type Role = 'content' | 'style';

/** Bundled examples, served from this site. */
const EXAMPLES: Record<string, string> = { speech: speechUrl, melody: melodyUrl, plucks: plucksUrl, drums: drumsUrl, texture: textureUrl };
const DEFAULT_EXAMPLE: Record<Role, string> = { content: 'speech', style: 'plucks' };

/** Settings shown up front; the rest sit under "More settings". Threads are the browser's to choose. */
const MAIN_SETTINGS: (keyof TransferSettings)[] = ['iterations', 'contentWeight', 'filters', 'kernel', 'sampleRate', 'seed'];
const MORE_SETTINGS: (keyof TransferSettings)[] = ['contentLevel', 'styleSilence', 'rhythmWeight', 'rounds', 'roundNets', 'phaseIterations', 'optimizer', 'learningRate', 'firstStep', 'history', 'init', 'nFft', 'hop', 'kernels', 'peakControl', 'convolution'];
const LABELS: Record<keyof TransferSettings, string> = {
  sampleRate: 'Sample rate (Hz)',
  nFft: 'FFT size',
  hop: 'Hop (samples)',
  filters: 'Filters',
  kernel: 'Kernel width (frames)',
  kernels: 'Several kernel widths (e.g. 3,11,31)',
  seed: 'Seed',
  contentWeight: 'Content weight',
  rhythmWeight: 'Rhythm weight',
  contentLevel: 'Content level',
  styleSilence: "Style's silent ends",
  optimizer: 'Optimiser',
  iterations: 'Iterations',
  learningRate: 'Adam step size',
  firstStep: 'L-BFGS first step',
  history: 'L-BFGS history (0 = auto)',
  init: 'Start from',
  phaseIterations: 'Griffin-Lim iterations',
  rounds: 'Rounds',
  roundNets: 'Net per round',
  threads: 'Threads',
  peakControl: 'If it would clip',
  convolution: 'Convolution',
};

/** The page's controls for options that are not settings, by the command line's names (inFormWords). */
const OTHER_LABELS: Record<string, string> = { '--duration': 'No content: synthesise', '--mono': 'Mix to mono' };

/** A message of the library's, with the form's names for the settings it names. */
const worded = (text: string): string => inFormWords(text, LABELS, OTHER_LABELS);

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page is missing #${id}`);
  return el as T;
};

const inputs: Partial<Record<Role, FileInput & { url: string }>> = {};
const client = new TransferClient(new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }));
/** The live loss curve's points: each evaluation's report of the loss at the current point, with its round and channel. */
let lossPoints: { loss: number; round: number; channel: number; evaluations: number }[] = [];
/** The result shown: its run's id (to ask the worker for FLAC), file name stem, and its FLAC's URL once encoded. */
let shown: { runId: number; stem: string; flacUrl: string | null } | null = null;
/** Object URLs of the shown result's other files (WAV, report, picture), revoked when the next result replaces them. */
let resultUrls: string[] = [];
/** The audio of the run in progress, shown before its quality measures ended (showAudio), and its object URL. */
let earlyAudio: { runId: number; url: string } | null = null;
/** What the worker said about its backend for the current run, and a memory warning; shown with the run's own warnings. */
let backendNotes: string[] = [];
/** Whether the run computes on WebAssembly, whose heap holds copies of what the page holds (memoryWarning). */
let onWasm = true;
/** The current run's memory estimate, once the worker sends it: a backend that changes mid-run is judged by it again. */
let runMemory: MemoryEstimate | null = null;

/** The memory warning for the current run on its current backend, if any. */
function memoryNote(): string | undefined {
  return runMemory ? memoryWarning(runMemory, onWasm, (navigator as Navigator & { deviceMemory?: number }).deviceMemory) : undefined;
}

// ---- inputs ----------------------------------------------------------------------------------------------------

/** Takes a file's bytes as the content or style input and shows its player. */
function setInput(role: Role, name: string, bytes: Uint8Array, blob: Blob): void {
  const previous = inputs[role];
  if (previous) URL.revokeObjectURL(previous.url);
  const url = URL.createObjectURL(blob);
  inputs[role] = { name, bytes, url };
  $(`${role}-name`).textContent = `${name} (${formatBytes(bytes.length)})`;
  prepareNextRun();
  const audio = $<HTMLAudioElement>(`${role}-audio`);
  audio.src = url;
  audio.hidden = false;
  hideError();
}

/**
 * Each role's count of choices begun. A choice's bytes arrive later (a fetch, a file read, a recording's decoding), so
 * a slow one could land after a newer one and replace it: the bundled example loaded at start, say, after a file the
 * user dropped at once. Only the newest choice is taken, and an overtaken one's failure is not shown either.
 */
const choices: Record<Role, number> = { content: 0, style: 0 };

/** Takes what `load` gives as the `role` input, unless another choice for the role began meanwhile. */
async function choose(role: Role, load: () => Promise<{ name: string; bytes: Uint8Array; blob: Blob }>): Promise<void> {
  const choice = ++choices[role];
  try {
    const { name, bytes, blob } = await load();
    if (choice === choices[role]) setInput(role, name, bytes, blob);
  } catch (err) {
    if (choice === choices[role]) throw err;
  }
}

function loadFile(role: Role, file: File): Promise<void> {
  return choose(role, async () => ({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()), blob: file }));
}

function loadExample(role: Role, name: string): Promise<void> {
  return choose(role, async () => {
    const response = await fetch(EXAMPLES[name]);
    if (!response.ok) throw new Error(`example ${name}: HTTP ${response.status}`);
    const blob = await response.blob();
    return { name: `${name}.wav`, bytes: new Uint8Array(await blob.arrayBuffer()), blob };
  });
}

/** What each input box says. */
const ROLE_TEXT: Record<Role, { title: string; hint: string }> = {
  content: { title: 'Content', hint: 'the structure to keep (voice, melody)' },
  style: { title: 'Style', hint: 'the timbre to take (a beat, an instrument, a texture)' },
};

/** Clones the input box for `role`; each part gets the id `${role}-${part}` (e.g. content-file). */
function buildInputBox(role: Role): void {
  const template = $<HTMLTemplateElement>('input-template');
  const box = template.content.firstElementChild!.cloneNode(true) as HTMLElement;
  box.id = `${role}-box`;
  box.dataset.role = role;
  box.querySelectorAll<HTMLElement>('[data-part]').forEach((part) => (part.id = `${role}-${part.dataset.part}`));
  box.querySelector('[data-part=title]')!.textContent = ROLE_TEXT[role].title;
  box.querySelector('[data-part=hint]')!.textContent = ROLE_TEXT[role].hint;
  (box.querySelector('[data-part=drop]') as HTMLLabelElement).htmlFor = `${role}-file`;
  $('inputs').append(box);
}

function wireInput(role: Role): void {
  buildInputBox(role);
  const fileInput = $<HTMLInputElement>(`${role}-file`);
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) void loadFile(role, file).catch(showError);
  });
  const drop = fileInput.closest('label') as HTMLElement;
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) void loadFile(role, file).catch(showError);
  });
  const examples = $(`${role}-examples`);
  for (const name of Object.keys(EXAMPLES)) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = name;
    button.dataset.example = name;
    button.addEventListener('click', () => void loadExample(role, name).catch(showError));
    examples.append(button);
  }
  wireRecorder(role);
}

/** Records from the microphone; the browser decodes its recording, which becomes a WAV input like any file. */
function wireRecorder(role: Role): void {
  const button = $<HTMLButtonElement>(`${role}-record`);
  let recorder: MediaRecorder | null = null;
  button.addEventListener('click', async () => {
    if (recorder) {
      recorder.stop();
      return;
    }
    try {
      if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === 'undefined') throw new Error('this browser cannot record audio');
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const chunks: Blob[] = [];
      recorder = new MediaRecorder(stream);
      recorder.addEventListener('dataavailable', (e) => chunks.push(e.data));
      recorder.addEventListener('stop', async () => {
        stream.getTracks().forEach((t) => t.stop());
        recorder = null;
        button.classList.remove('recording');
        button.textContent = '● Record';
        await choose(role, async () => {
          try {
            const encoded = await new Blob(chunks).arrayBuffer();
            const context = new AudioContext();
            const decoded = await context.decodeAudioData(encoded);
            void context.close();
            const channels = Array.from({ length: decoded.numberOfChannels }, (_, c) => decoded.getChannelData(c));
            const wav = await encodeWav(channels, decoded.sampleRate, 'float32');
            return { name: `recording-${role}.wav`, bytes: wav, blob: new Blob([wav as BlobPart], { type: 'audio/wav' }) };
          } catch (err) {
            throw new Error(`recording: could not decode it (${err instanceof Error ? err.message : String(err)})`);
          }
        }).catch(showError);
      });
      recorder.start();
      button.classList.add('recording');
      button.textContent = '■ Stop recording';
    } catch (err) {
      recorder = null;
      showError(new Error(`microphone unavailable: ${err instanceof Error ? err.message : String(err)}`));
    }
  });
}

/** Whether the run synthesises the style's texture (no content), as the CLI's --duration. */
function textureMode(): boolean {
  return $<HTMLInputElement>('texture-mode').checked;
}

/**
 * The content box's texture switch: "No content: synthesise N s of the style's texture". While on, the content's
 * inputs are set aside (kept for when it is turned off) and the settings form shows texture synthesis's defaults.
 */
function wireTextureMode(): void {
  const row = document.createElement('label');
  row.className = 'texture-mode';
  row.title = "texture synthesis, as restyle --duration: new audio with the style's statistics, no content to follow";
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.id = 'texture-mode';
  const seconds = document.createElement('input');
  seconds.type = 'number';
  seconds.id = 'texture-seconds';
  seconds.min = '0.5';
  seconds.max = '3600';
  seconds.step = 'any';
  seconds.value = '10';
  row.append(box, ' No content: synthesise ', seconds, " s of the style's texture");
  $('content-box').querySelector('h2')!.after(row);
  box.addEventListener('change', () => {
    const texture = box.checked;
    $('content-box').classList.toggle('set-aside', texture);
    for (const part of ['file', 'record']) $<HTMLInputElement | HTMLButtonElement>(`content-${part}`).disabled = texture;
    $<HTMLInputElement>('setting-mono').disabled = texture; // a texture is mono: the style is mixed to mono
    $('content-examples').querySelectorAll('button').forEach((b) => (b.disabled = texture));
    // A setting left at one mode's default shows the other's (iterations: 12 for style transfer, 40 for texture).
    for (const key of Object.keys(TEXTURE_DEFAULTS) as (keyof TransferSettings)[]) {
      const control = $<HTMLInputElement | HTMLSelectElement>(`setting-${key}`);
      if (control.value.trim() === shownDefault(key, !texture)) control.value = shownDefault(key, texture);
    }
  });
}

// ---- settings --------------------------------------------------------------------------------------------------

/** The sample rate whose FFT size and hop the form shows as their defaults (they follow it, as in the library). */
let defaultsRate = DEFAULT_SETTINGS.sampleRate;

/** A setting's default as the form shows it, in style transfer or (`texture`) texture synthesis. */
function shownDefault(key: keyof TransferSettings, texture: boolean): string {
  if (key === 'nFft' || key === 'hop') return formatSetting(stftDefaults(defaultsRate)[key]);
  return formatSetting(defaultSettings(texture ? 'texture' : 'transfer')[key]);
}

/**
 * A new sample rate in the form: the FFT size and hop, where they still show the old rate's defaults, show the new
 * rate's (4096 and 1024 at 44100 Hz), so that what the form shows is what the run will use.
 */
function followSampleRate(control: HTMLInputElement): void {
  let rate: number;
  try {
    rate = resolveSettings({ sampleRate: control.value }).sampleRate;
  } catch {
    return; // the run names the bad value
  }
  const texture = textureMode();
  const stale = (['nFft', 'hop'] as const).filter((key) => $<HTMLInputElement>(`setting-${key}`).value.trim() === shownDefault(key, texture));
  defaultsRate = rate;
  for (const key of stale) $<HTMLInputElement>(`setting-${key}`).value = shownDefault(key, texture);
}

function settingControl(key: keyof TransferSettings): HTMLElement {
  const label = document.createElement('label');
  label.title = worded(SETTING_HELP[key]);
  label.append(LABELS[key]);
  const range = SETTING_RANGES[key];
  const fallback = DEFAULT_SETTINGS[key];
  let control: HTMLInputElement | HTMLSelectElement;
  if (range.kind === 'choice') {
    control = document.createElement('select');
    for (const v of range.values) control.add(new Option(v, v, v === fallback, v === fallback));
  } else {
    control = document.createElement('input');
    if (range.kind === 'intList') {
      control.type = 'text';
      control.placeholder = 'none';
      control.value = shownDefault(key, false);
    } else {
      control.type = 'number';
      control.min = String(range.min);
      control.max = String(range.max);
      control.step = range.kind === 'int' ? '1' : 'any';
      control.value = shownDefault(key, false);
    }
  }
  control.name = key;
  control.id = `setting-${key}`;
  label.append(control);
  if (key === 'sampleRate') {
    // The rates worth knowing: the default, and the two that keep 11-22 kHz (README, "Full bandwidth").
    const list = document.createElement('datalist');
    list.id = 'sample-rates';
    for (const rate of [22050, 44100, 48000]) list.append(new Option(String(rate)));
    control.setAttribute('list', list.id);
    label.append(list);
  }
  return label;
}

function buildSettings(): void {
  for (const key of MAIN_SETTINGS) $('main-settings').append(settingControl(key));
  for (const key of MORE_SETTINGS) $('more-settings').append(settingControl(key));
  const rate = $<HTMLInputElement>('setting-sampleRate');
  rate.addEventListener('input', () => followSampleRate(rate));
  const backend = document.createElement('label');
  backend.title = 'auto: WebGPU when this browser has a GPU adapter, otherwise WebAssembly';
  backend.append('Compute');
  const select = document.createElement('select');
  select.id = 'setting-backend';
  for (const b of WEB_BACKENDS) select.add(new Option(b === 'wasm' ? 'WebAssembly (CPU)' : b === 'webgpu' ? 'WebGPU' : 'auto', b));
  backend.append(select);
  const mono = checkbox('setting-mono', 'Mix to mono', 'mix stereo content to mono (one optimisation instead of two)', false);
  // As the CLI's --no-quality: the held-out measures take a minute after a 10-minute clip in a browser.
  const quality = checkbox('setting-quality', 'Measure quality', 'style gain and content correlation (a texture: style distance and how closely it replays the style) under held-out nets, after the run', true);
  $('main-settings').append(backend, mono);
  $('more-settings').append(quality);
}

/** A labelled checkbox for the settings form. */
function checkbox(id: string, text: string, title: string, checked: boolean): HTMLLabelElement {
  const label = document.createElement('label');
  label.title = title;
  label.append(text);
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.id = id;
  box.checked = checked;
  label.append(box);
  return label;
}

/** The settings that differ from the mode's defaults, as typed (the library validates them and names a bad one). */
function readSettings(): Partial<Record<keyof TransferSettings, string>> {
  const out: Partial<Record<keyof TransferSettings, string>> = {};
  for (const key of [...MAIN_SETTINGS, ...MORE_SETTINGS]) {
    const value = $<HTMLInputElement | HTMLSelectElement>(`setting-${key}`).value.trim();
    if (value !== shownDefault(key, textureMode())) out[key] = value;
  }
  return out;
}

// ---- preparing the next run -------------------------------------------------------------------------------------

/** The latest preparation asked of the worker, and the timer that sends the next one. */
const preparation = { id: 0, timer: undefined as number | undefined };

/**
 * Once the inputs are chosen, and after each change of a setting, asks the worker to make the nets a run with the
 * settings shown would use (after a pause, so that typing a number sends one request): the first run then skips
 * drawing and transforming them. body[data-prepared] says whether the last request is done. Not on a device that
 * reports less memory than PREPARE_MIN_DEVICE_MEMORY_GB.
 */
function prepareNextRun(): void {
  if (!preparesAhead((navigator as Navigator & { deviceMemory?: number }).deviceMemory)) return;
  window.clearTimeout(preparation.timer);
  document.body.dataset.prepared = 'false';
  preparation.timer = window.setTimeout(() => {
    const texture = textureMode();
    if (client.busy || !inputs.style || (!texture && !inputs.content)) return;
    preparation.id = client.prepare({
      settings: readSettings(),
      backend: $<HTMLSelectElement>('setting-backend').value as WebBackend,
      texture,
      quality: $<HTMLInputElement>('setting-quality').checked,
    });
  }, 300);
}

client.onPrepared = (message) => {
  if (message.id === preparation.id) document.body.dataset.prepared = 'true';
};

// ---- run -------------------------------------------------------------------------------------------------------

const STAGE_NAMES: Record<Stage, string> = { decode: 'Decoding', analyse: 'Analysing', optimise: 'Optimising', phase: 'Rebuilding phase', assess: 'Measuring quality' };
let stageStart = { stage: '' as Stage | '', ms: 0 };

/** The last progress event, when it came, and the ETA it gave: the progress text's clock runs on from it. */
let lastProgress: { event: ProgressEvent; at: number; eta: number } | null = null;
let progressTicker: number | undefined;

function showProgress(e: ProgressEvent): void {
  if (e.stage !== stageStart.stage) stageStart = { stage: e.stage, ms: e.elapsedMs };
  const progress = $<HTMLProgressElement>('progress');
  progress.max = Math.max(1, e.total);
  progress.value = e.step;
  const eta = progressEta(stageStart.ms, e);
  lastProgress = { event: e, at: performance.now(), eta };
  showProgressText(e, e.elapsedMs, eta);
  $('progress-text').dataset.stage = e.stage;
  if (e.stage === 'optimise' && e.loss !== undefined) {
    // One point per evaluation: an accepted iteration comes at the count of the evaluation that found it.
    const point = { loss: e.loss, round: e.round ?? 1, channel: e.channel ?? 0, evaluations: e.evaluations ?? lossPoints.length + 1 };
    const last = lossPoints[lossPoints.length - 1];
    if (last && last.evaluations === point.evaluations) lossPoints[lossPoints.length - 1] = point;
    else lossPoints.push(point);
    drawLoss();
  }
}

function showProgressText(e: ProgressEvent, elapsedMs: number, eta: number): void {
  const parts = [`${STAGE_NAMES[e.stage]} ${e.step}/${e.total}`];
  if (e.activity !== undefined) parts.push(e.activity); // between evaluations: a new round's style statistics, Griffin-Lim
  else if (e.loss !== undefined) parts.push(`loss ${e.loss.toExponential(3)}`);
  parts.push(`elapsed ${formatSeconds(elapsedMs / 1000)}`);
  // Analysing has an ETA during a long style's pass, which the pipeline times itself.
  if (e.stage === 'optimise' || e.stage === 'phase' || (e.remainingMs !== undefined && Number.isFinite(eta))) parts.push(`ETA ${formatSeconds(eta)}`);
  $('progress-text').textContent = parts.join(' · ');
}

/** Moves the progress text's clock on between events: a new round's pass over a long style sends none for a while. */
function tickProgress(): void {
  if (!lastProgress) return;
  const { event, at, eta } = lastProgress;
  const moved = clockSince(event.elapsedMs, eta, performance.now() - at);
  showProgressText(event, moved.elapsedMs, moved.etaSeconds);
}

/**
 * The live loss curve: the loss at the optimiser's current point after each evaluation, on a log scale, one segment per
 * round (and channel) with a dashed line where the next begins. Each round optimises a new objective, so its loss may
 * start above where the last one ended; joining them would look like the optimiser going backwards.
 */
function drawLoss(): void {
  const canvas = $<HTMLCanvasElement>('loss');
  const g = canvas.getContext('2d');
  if (!g) return;
  const { width, height } = canvas;
  g.clearRect(0, 0, width, height);
  g.font = '12px system-ui, sans-serif';
  g.fillStyle = '#666';
  const points = lossPoints.filter((p) => p.loss > 0 && Number.isFinite(p.loss));
  if (points.length < 2) {
    g.fillText(points.length ? 'waiting for the next evaluation…' : 'The loss appears here while a run optimises.', 12, height / 2);
    return;
  }
  const values = points.map((p) => Math.log10(p.loss));
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = { l: 64, r: 12, t: 12, b: 24 };
  const x = (i: number): number => pad.l + (i / (values.length - 1)) * (width - pad.l - pad.r);
  const y = (v: number): number => pad.t + (hi === lo ? 0.5 : (hi - v) / (hi - lo)) * (height - pad.t - pad.b);
  g.strokeStyle = '#ccc';
  g.beginPath();
  g.moveTo(pad.l, pad.t);
  g.lineTo(pad.l, height - pad.b);
  g.lineTo(width - pad.r, height - pad.b);
  g.stroke();
  g.fillText((10 ** hi).toExponential(2), 4, pad.t + 8);
  g.fillText((10 ** lo).toExponential(2), 4, height - pad.b);
  g.fillText(`${values.length} evaluations`, width - 110, height - 6);
  const stereo = points.some((p) => p.channel > 0);
  const segmentName = (p: (typeof points)[number]): string => `round ${p.round}${stereo ? ` · ${p.channel === 0 ? 'left' : 'right'}` : ''}`;
  const names: string[] = [segmentName(points[0])];
  g.lineWidth = 2;
  let segmentStart = 0;
  let labelEnd = pad.l;
  for (let i = 1; i <= points.length; i++) {
    const next = points[i];
    if (next && next.round === points[i - 1].round && next.channel === points[i - 1].channel) continue;
    g.strokeStyle = g.fillStyle = '#b4432f';
    g.beginPath();
    if (i - segmentStart === 1) {
      g.arc(x(segmentStart), y(values[segmentStart]), 2, 0, 2 * Math.PI); // a round of one evaluation so far
      g.fill();
    } else {
      g.moveTo(x(segmentStart), y(values[segmentStart]));
      for (let j = segmentStart + 1; j < i; j++) g.lineTo(x(j), y(values[j]));
      g.stroke();
    }
    g.fillStyle = '#666';
    if (next) {
      // Where the next round (or channel) begins: half-way between its first point and the one before.
      const at = (x(i - 1) + x(i)) / 2;
      g.save();
      g.strokeStyle = '#999';
      g.lineWidth = 1;
      g.setLineDash([4, 3]);
      g.beginPath();
      g.moveTo(at, pad.t);
      g.lineTo(at, height - pad.b);
      g.stroke();
      g.restore();
      // Named under the axis, where no curve runs; left out where the names would run into each other.
      const name = segmentName(next);
      names.push(name);
      const nameWidth = g.measureText(name).width;
      if (at + 4 >= labelEnd + 8 && at + 4 + nameWidth <= width - 118) {
        g.fillText(name, at + 4, height - 6);
        labelEnd = at + 4 + nameWidth;
      }
    }
    segmentStart = i;
  }
  canvas.dataset.segments = names.join(','); // what the curve shows, for tests
}

/** The download name's stem: "speech-in-plucks-style" for a transfer, "drums-texture" for a texture (no content). */
function outputStem(content: string | undefined, style: string): string {
  const base = (n: string): string => n.replace(/\.[^.]+$/, '');
  return content === undefined ? `${base(style)}-texture` : `${base(content)}-in-${base(style)}-style`;
}

/** The parts of the result section that come with the report, after the quality measures. */
const REPORT_PARTS = ['download-flac', 'download-report', 'download-picture', 'report'];

/** Revokes the shown result's object URLs (its FLAC's too). */
function revokeResultUrls(): void {
  for (const url of [...resultUrls, ...(shown?.flacUrl ? [shown.flacUrl] : [])]) URL.revokeObjectURL(url);
  resultUrls = [];
}

/** Puts `wav` in the result's player and WAV download. */
function showWav(wav: Uint8Array, stem: string): string {
  const wavUrl = URL.createObjectURL(new Blob([wav as BlobPart], { type: 'audio/wav' }));
  $<HTMLAudioElement>('result-audio').src = wavUrl;
  const download = $<HTMLAnchorElement>('download');
  download.href = wavUrl;
  download.download = `${stem}.wav`;
  return wavUrl;
}

/**
 * Shows a run's audio as soon as the worker has made it, while its quality is measured (about a minute after a
 * 10-minute clip): the player and the WAV download; the report, picture and FLAC come with the result, which keeps
 * this audio playing.
 */
function showAudio(message: AudioMessage, stem: string): void {
  revokeResultUrls();
  shown = null;
  earlyAudio = { runId: message.id, url: showWav(message.wav, stem) };
  resultUrls = [earlyAudio.url];
  for (const id of REPORT_PARTS) $(id).hidden = true;
  $('download-note').textContent = '';
  $('summary').textContent = 'Measuring its quality under held-out nets…';
  $('result').hidden = false;
}

function showResult(message: ResultMessage, stem: string): void {
  const { report: r } = message;
  // The audio shown while the quality was measured is this result's: left playing.
  const early = earlyAudio?.runId === message.id ? earlyAudio.url : null;
  earlyAudio = null;
  if (!early) revokeResultUrls();
  const wavUrl = early ?? showWav(message.wav, stem);
  const reportUrl = URL.createObjectURL(new Blob([JSON.stringify(r, null, 2) + '\n'], { type: 'application/json' }));
  resultUrls = [wavUrl, reportUrl];
  for (const id of REPORT_PARTS) $(id).hidden = false;
  const reportLink = $<HTMLAnchorElement>('download-report');
  reportLink.href = reportUrl;
  reportLink.download = `${stem}.json`;
  shown = { runId: message.id, stem, flacUrl: null };
  // Peaks kept past full scale are in the WAV's float samples; FLAC's integers would clip them.
  $('download-flac').hidden = r.peaks.control === 'none';
  $('download-note').textContent = r.peaks.control === 'none' ? 'WAV: 32-bit float, peaks past full scale kept' : '';
  const t = r.timingsMs;
  const q = r.quality;
  const peaks = describePeaks(r.peaks);
  $('summary').textContent = [
    `${r.durationSeconds.toFixed(2)} s, ${r.channels === 2 ? 'stereo' : 'mono'}, ${describeRate(r.sampleRate, r.inputs.content?.sampleRate)}, in ${formatSeconds((t.total + t.assess) / 1000)}`,
    `optimise ${formatSeconds(t.optimise / 1000)} (${r.optimiser.iterations} iterations, ${r.optimiser.evaluations} evaluations, ${Math.round(r.msPerEvaluation)} ms each)`,
    `phase ${formatSeconds(t.phase / 1000)} (${r.spectralConvergenceDb.toFixed(1)} dB)`,
    ...(q ? [`quality ${formatSeconds(t.assess / 1000)}`] : []),
    `loss ${r.loss.initial.toExponential(3)} → ${r.loss.final.total.toExponential(3)}`,
    ...(q ? [describeQuality(q, { correlation: 'correlation', heldOut: ' under held-out nets' })] : []),
    ...(peaks ? [peaks] : []),
  ].join(' · ');
  const result = $('result');
  result.dataset.duration = String(r.durationSeconds);
  result.dataset.msPerEvaluation = String(r.msPerEvaluation);
  result.dataset.evaluations = String(r.optimiser.evaluations);
  result.dataset.totalMs = String(t.total);
  result.dataset.initialLoss = String(r.loss.initial);
  result.dataset.finalLoss = String(r.loss.final.total);
  const canvas = $<HTMLCanvasElement>('report');
  canvas.width = message.picture.width;
  canvas.height = message.picture.height;
  const pixels = new ImageData(new Uint8ClampedArray(message.picture.data.buffer as ArrayBuffer, message.picture.data.byteOffset, message.picture.data.byteLength), message.picture.width, message.picture.height);
  canvas.getContext('2d')?.putImageData(pixels, 0, 0);
  result.hidden = false;
  if (r.warnings.length) showNotes([...backendNotes, ...r.warnings]);
}

/** Starts a download of `url` as `name`, as a click on a link would. */
function saveAs(url: string, name: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
}

/** Downloads the report picture as the PNG that `--plot` writes (the canvas holds the same pixels). */
function downloadPicture(): void {
  const target = shown;
  if (!target) return;
  $<HTMLCanvasElement>('report').toBlob((png) => {
    if (!png || shown !== target) return;
    const url = URL.createObjectURL(png);
    resultUrls.push(url);
    saveAs(url, `${target.stem}.png`);
  }, 'image/png');
}

async function run(): Promise<void> {
  hideError();
  const texture = textureMode();
  const content = texture ? undefined : inputs.content;
  const { style } = inputs;
  if ((!texture && !content) || !style) {
    showError(new Error(`choose ${!content && !style && !texture ? 'a content and a style file' : !style ? 'a style file' : 'a content file'} first`));
    return;
  }
  const duration = texture ? Number($<HTMLInputElement>('texture-seconds').value) : undefined;
  if (duration !== undefined && !(duration > 0 && duration <= 3600)) {
    showError(new Error(`texture length ${$<HTMLInputElement>('texture-seconds').value}: must be a number of seconds in (0, 3600]`));
    return;
  }
  const clicked = performance.now();
  setRunning(true);
  backendNotes = [];
  onWasm = true;
  runMemory = null;
  $('notes').hidden = true;
  lossPoints = [];
  drawLoss();
  stageStart = { stage: '', ms: 0 };
  lastProgress = null;
  progressTicker = window.setInterval(tickProgress, 1000);
  $('progress-text').textContent = 'Starting…';
  $('progress-text').dataset.stage = 'starting';
  $('result').hidden = true;
  // Named after the inputs of this run, not those chosen while it runs.
  const stem = outputStem(content?.name, style.name);
  try {
    const message = await client.run(
      {
        ...(content ? { content: { name: content.name, bytes: content.bytes } } : { duration }),
        style: { name: style.name, bytes: style.bytes },
        settings: readSettings(),
        backend: $<HTMLSelectElement>('setting-backend').value as WebBackend,
        mono: $<HTMLInputElement>('setting-mono').checked,
        quality: $<HTMLInputElement>('setting-quality').checked,
        outputName: `${stem}.wav`,
      },
      {
        // Sent as the run starts, and again if WebGPU fails mid-run and the run goes on on WebAssembly.
        onBackend: (b) => {
          const gpu = b.label.startsWith('WebGPU');
          showBackend(b.label, gpu);
          onWasm = !gpu; // the worker's backends are WebGPU and WebAssembly
          const warning = memoryNote();
          backendNotes = warning ? [...b.notes, warning] : b.notes;
          if (backendNotes.length) showNotes(backendNotes);
        },
        onAudio: (a) => showAudio(a, stem),
        onProgress: (e) => {
          // Said before the run's large allocations, so that the user can cancel before the tab runs out of memory.
          if (e.memory) {
            runMemory = e.memory;
            const warning = memoryNote();
            if (warning) showNotes((backendNotes = [...backendNotes, warning]));
          }
          showProgress(e);
        },
      },
    );
    showResult(message, stem);
    // From the click: a run may first wait for the worker's warm-up or for the nets it was preparing.
    $('progress-text').textContent = `Done in ${formatSeconds((performance.now() - clicked) / 1000)}.`;
    $('progress-text').dataset.stage = 'done';
  } catch (err) {
    const cancelled = err instanceof RunFailure && err.cancelled;
    // Stopped while its quality was measured: the audio shown stays, and can be downloaded as WAV.
    if (earlyAudio) $('summary').textContent = `Quality not measured: ${cancelled ? 'cancelled' : 'the measures failed'}.`;
    earlyAudio = null;
    if (cancelled) {
      $('progress-text').textContent = 'Cancelled.';
      $('progress-text').dataset.stage = 'cancelled';
    } else {
      $('progress-text').textContent = 'Failed.';
      $('progress-text').dataset.stage = 'failed';
      showError(err);
    }
  } finally {
    window.clearInterval(progressTicker);
    lastProgress = null;
    setRunning(false);
  }
}

/**
 * Downloads the shown result as FLAC. The worker, which holds the result's samples, encodes it (loading the encoder
 * on the first use), so the page stays responsive however long the clip; the file is kept until the next result.
 */
async function downloadFlac(): Promise<void> {
  const target = shown;
  if (!target) return;
  const button = $<HTMLButtonElement>('download-flac');
  const note = $('download-note');
  button.disabled = true;
  try {
    if (!target.flacUrl) {
      note.textContent = 'Encoding FLAC…';
      const flac = new Blob([(await client.encode(target.runId, 'flac')) as BlobPart], { type: 'audio/flac' });
      if (shown !== target) return; // another result arrived meanwhile
      target.flacUrl = URL.createObjectURL(flac);
      note.textContent = `FLAC: ${formatBytes(flac.size)}`;
    }
    saveAs(target.flacUrl, `${target.stem}.flac`);
  } catch (err) {
    note.textContent = '';
    showError(err);
  } finally {
    button.disabled = false;
  }
}

function setRunning(running: boolean): void {
  $<HTMLButtonElement>('run').disabled = running;
  $<HTMLButtonElement>('cancel').disabled = !running;
  document.body.dataset.running = String(running);
}

// ---- messages --------------------------------------------------------------------------------------------------

function showError(err: unknown): void {
  const el = $('error');
  el.textContent = worded(err instanceof Error ? err.message : String(err));
  el.hidden = false;
}

function hideError(): void {
  $('error').hidden = true;
}

function showNotes(notes: string[]): void {
  const el = $('notes');
  el.textContent = notes.map(worded).join(' · ');
  el.hidden = false;
}

function showBackend(label: string, gpu: boolean): void {
  const el = $('backend');
  el.textContent = `Compute: ${label}`;
  el.dataset.state = gpu ? 'gpu' : 'cpu';
}

function formatBytes(n: number): string {
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(0)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** What the page can tell before any run: the backend "auto" would pick here, and why not a faster one. */
async function describeBrowser(): Promise<void> {
  try {
    const choice = chooseBackend('auto', await detectCapabilities());
    showBackend(choice.label, choice.providers[0] === 'webgpu');
    if (choice.notes.length) showNotes(choice.notes);
  } catch (err) {
    showError(err);
  }
}

// ---- start -----------------------------------------------------------------------------------------------------

wireInput('content');
wireInput('style');
buildSettings();
wireTextureMode();
drawLoss();
// Any setting (number, choice, checkbox, the texture switch) may change the nets a run would use.
for (const id of ['main-settings', 'more-settings', 'content-box']) {
  for (const type of ['input', 'change']) $(id).addEventListener(type, prepareNextRun);
}
$('run').addEventListener('click', () => void run());
$('cancel').addEventListener('click', () => client.cancel());
$('download-flac').addEventListener('click', () => void downloadFlac());
$('download-picture').addEventListener('click', downloadPicture);
window.addEventListener('pagehide', () => client.dispose());
void describeBrowser();
// The bundled pair is loaded at start, so that one click on "Restyle" shows what the tool does.
void Promise.all([loadExample('content', DEFAULT_EXAMPLE.content), loadExample('style', DEFAULT_EXAMPLE.style)]).catch(showError);
document.body.dataset.ready = 'true';
