import type { LogSpectrogram } from '../model/style-net.js';
import { textWidth, GLYPH_HEIGHT } from './font.js';
import { INK, fillRect, formatTick, line, setPixel, strokeRect, text, type RgbaImage } from './raster.js';

export type { RgbaImage };

/** What the report picture shows. */
export interface PlotInput {
  /** Spectrograms (log1p magnitudes, bins x frames) to draw side by side, with their titles. */
  panels: { title: string; spec: LogSpectrogram }[];
  /** Loss after each iteration (drawn on a log scale). */
  lossHistory: number[];
  /** Indices in lossHistory where later optimisation rounds begin: marked, and the curve not joined across them. */
  roundStarts?: number[];
  /** Sample rate and hop, for the time and frequency axes. */
  sampleRate: number;
  hop: number;
}

/** Dynamic range shown, in dB below the loudest value of all panels. */
const RANGE_DB = 80;
const PANEL_W = 380;
const PANEL_H = 300;
const MARGIN_L = 58;
const MARGIN_T = 28;
const GAP = 26;
const LOSS_H = 190;
const BACKGROUND = [255, 255, 255];
const GRID = [200, 200, 200];
const GRID_DARK = [140, 140, 140];

/** Magma-like colour map: control points from black through purple and orange to pale yellow. */
const COLORMAP = [
  [0, 0, 4],
  [40, 11, 84],
  [101, 21, 110],
  [159, 42, 99],
  [212, 72, 66],
  [245, 125, 21],
  [250, 193, 39],
  [252, 253, 191],
];

/** Colour of a value in [0, 1]. */
export function colormap(v: number): number[] {
  const x = Math.min(1, Math.max(0, v)) * (COLORMAP.length - 1);
  const i = Math.min(COLORMAP.length - 2, Math.floor(x));
  const f = x - i;
  return COLORMAP[i].map((c, k) => Math.round(c + f * (COLORMAP[i + 1][k] - c)));
}

/** A step from 1-2-5 x 10^k giving at most `maxTicks` ticks over `span`. */
export function niceStep(span: number, maxTicks: number): number {
  const raw = span / Math.max(1, maxTicks);
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/**
 * Draws the report picture: the spectrograms side by side on one dB colour scale (time in seconds across, frequency
 * in kHz up), a colour bar, and below them the loss curve on a log scale. Pure: returns pixels; callers encode them.
 */
export function drawReport(input: PlotInput): RgbaImage {
  const n = input.panels.length;
  const width = MARGIN_L + n * PANEL_W + (n - 1) * GAP + 70;
  const height = MARGIN_T + PANEL_H + 40 + LOSS_H + 50;
  const data = new Uint8Array(width * height * 4);
  const img: RgbaImage = { width, height, data };
  fillRect(img, 0, 0, width, height, BACKGROUND);

  // One dB scale for every panel: magnitude = expm1(log1p magnitude).
  let top = -Infinity;
  for (const { spec } of input.panels) for (const v of spec.data) top = Math.max(top, v);
  const topDb = 20 * Math.log10(Math.expm1(Math.max(top, 1e-6)) + 1e-9);
  const nyquist = input.sampleRate / 2;

  input.panels.forEach(({ title, spec }, p) => {
    const x0 = MARGIN_L + p * (PANEL_W + GAP);
    const y0 = MARGIN_T;
    for (let py = 0; py < PANEL_H; py++) {
      const bin = Math.min(spec.bins - 1, Math.floor(((PANEL_H - 1 - py) / PANEL_H) * spec.bins));
      for (let px = 0; px < PANEL_W; px++) {
        const frame = Math.min(spec.frames - 1, Math.floor((px / PANEL_W) * spec.frames));
        const db = 20 * Math.log10(Math.expm1(Math.max(0, spec.data[bin * spec.frames + frame])) + 1e-9);
        setPixel(img, x0 + px, y0 + py, colormap(1 + (db - topDb) / RANGE_DB));
      }
    }
    text(img, title, x0, y0 - 12 - GLYPH_HEIGHT, 2);
    // Time axis (seconds) under the panel.
    const seconds = (spec.frames * input.hop) / input.sampleRate;
    const tStep = niceStep(seconds, 6);
    for (let t = 0; t <= seconds + 1e-9; t += tStep) {
      const px = x0 + Math.round((t / seconds) * (PANEL_W - 1));
      fillRect(img, px, y0 + PANEL_H, 1, 4, INK);
      const label = formatTick(t);
      text(img, label, px - textWidth(label) / 2, y0 + PANEL_H + 6);
    }
    const unit = 'time (s)';
    text(img, unit, x0 + PANEL_W - textWidth(unit), y0 + PANEL_H + 18);
    // Frequency axis (kHz) on the left of the first panel, ticks on every panel.
    const fStep = niceStep(nyquist / 1000, 6);
    for (let f = 0; f <= nyquist / 1000 + 1e-9; f += fStep) {
      const py = y0 + PANEL_H - 1 - Math.round(((f * 1000) / nyquist) * (PANEL_H - 1));
      fillRect(img, x0 - 4, py, 4, 1, INK);
      if (p === 0) {
        const label = formatTick(f);
        text(img, label, x0 - 7 - textWidth(label), py - 3);
      }
    }
    if (p === 0) text(img, 'kHz', 4, y0 + PANEL_H / 2 - 3);
    strokeRect(img, x0 - 1, y0 - 1, PANEL_W + 2, PANEL_H + 2, INK);
  });

  // Colour bar.
  const cx = MARGIN_L + n * PANEL_W + (n - 1) * GAP + 14;
  for (let py = 0; py < PANEL_H; py++) fillRect(img, cx, MARGIN_T + py, 14, 1, colormap(1 - py / (PANEL_H - 1)));
  strokeRect(img, cx - 1, MARGIN_T - 1, 16, PANEL_H + 2, INK);
  text(img, '0 dB', cx + 18, MARGIN_T - 3);
  text(img, `-${RANGE_DB}`, cx + 18, MARGIN_T + PANEL_H - 6);

  drawLoss(img, input.lossHistory, input.roundStarts ?? [], MARGIN_L, MARGIN_T + PANEL_H + 48, width - MARGIN_L - 80, LOSS_H);
  return img;
}

/**
 * The loss curve, log scale, iterations across. A round boundary gets a dashed line and the round's number, and the
 * curve is not joined across it: a round may optimise another net's loss.
 */
function drawLoss(img: RgbaImage, losses: number[], roundStarts: number[], x0: number, y0: number, w: number, h: number): void {
  text(img, 'loss', x0, y0 - 12 - GLYPH_HEIGHT, 2);
  strokeRect(img, x0 - 1, y0 - 1, w + 2, h + 2, INK);
  const values = losses.filter((v) => v > 0 && Number.isFinite(v));
  if (values.length < 2) return;
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  const span = Math.max(1, hi - lo);
  for (let e = lo; e <= lo + span; e++) {
    const py = y0 + h - 1 - Math.round(((e - lo) / span) * (h - 1));
    fillRect(img, x0, py, w, 1, GRID);
    const label = `1e${e}`;
    text(img, label, x0 - 7 - textWidth(label), py - 3);
  }
  const iters = losses.length - 1;
  const step = niceStep(iters, 10);
  for (let i = 0; i <= iters; i += step) {
    const px = x0 + Math.round((i / iters) * (w - 1));
    fillRect(img, px, y0 + h, 1, 4, INK);
    const label = String(i);
    text(img, label, px - textWidth(label) / 2, y0 + h + 6);
  }
  text(img, 'iteration', x0 + w - textWidth('iteration'), y0 + h + 18);
  const starts = new Set(roundStarts.filter((i) => i > 0 && i <= iters));
  roundStarts.forEach((i, r) => {
    // A round that made no iteration shares its start with the next: label the later one.
    if (!starts.has(i) || roundStarts.lastIndexOf(i) !== r) return;
    // Halfway between the last loss of one round and the first of the next.
    const px = x0 + Math.round(((i - 0.5) / iters) * (w - 1));
    for (let py = y0; py < y0 + h; py += 6) fillRect(img, px, py, 1, 3, GRID_DARK);
    text(img, `round ${r + 2}`, px + 4, y0 + 4);
  });
  let prev: [number, number] | null = null;
  losses.forEach((v, i) => {
    if (starts.has(i)) prev = null;
    if (!(v > 0)) return;
    const px = x0 + Math.round((i / iters) * (w - 1));
    const py = y0 + h - 1 - Math.round(((Math.log10(v) - lo) / span) * (h - 1));
    if (prev) line(img, prev[0], prev[1], px, py, [200, 60, 40]);
    fillRect(img, px - 1, py - 1, 3, 3, [200, 60, 40]);
    prev = [px, py];
  });
}
