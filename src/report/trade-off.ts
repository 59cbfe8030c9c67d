import { textWidth, GLYPH_HEIGHT } from './font.js';
import { INK, createImage, fillRect, line, strokeRect, text, type RgbaImage } from './raster.js';
import { niceStep } from './plot.js';

/** One measured setting: its held-out style gain, content correlation, and a short label (e.g. iterations). */
export interface TradeOffPoint {
  gain: number;
  correlation: number;
  label?: string;
  /** Whether this is the default setting (ringed). */
  chosen?: boolean;
}

/** What the style/content trade-off chart shows. */
export interface TradeOffInput {
  /**
   * One line per content/style pair, points in the order of the swept setting; `reference` is a style gain to read
   * the pair's points against (the style's own halves'), drawn as a dashed vertical line in the pair's colour.
   */
  series: { name: string; points: TradeOffPoint[]; reference?: number }[];
  /** What the ringed points are, for the legend (e.g. "default: 20 iterations"). */
  chosenLegend?: string;
  /** A target region (gain and correlation at least these), shaded. */
  target?: { gain: number; correlation: number };
  /** Title above the chart. */
  title?: string;
}

const COLOURS = [
  [200, 60, 40],
  [40, 110, 190],
  [40, 150, 70],
  [150, 70, 170],
  [210, 140, 20],
];
const W = 640;
const H = 460;
const M = { l: 64, r: 250, t: 40, b: 50 };

/** A rectangle in pixels. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A label to place beside its point (cx, cy), `w` x `h` pixels; a `priority` label is placed before the others. */
export interface LabelRequest {
  cx: number;
  cy: number;
  w: number;
  h: number;
  priority?: boolean;
}

const overlaps = (a: Box, b: Box): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * Where each label goes: the first of right-above, right-below, left-above, left-below its point that stays inside
 * `bounds` and clear of the labels already placed and of the `avoid` boxes (the points' markers), priority labels
 * first; null where none is free. Where a curve bunches up, a label dropped is better than labels printed over each
 * other.
 */
export function placeLabels(requests: LabelRequest[], bounds: Box, avoid: Box[] = []): (Box | null)[] {
  const placed: Box[] = [];
  const result: (Box | null)[] = requests.map(() => null);
  const order = requests.map((_, i) => i).sort((a, b) => Number(!!requests[b].priority) - Number(!!requests[a].priority));
  const inside = (b: Box): boolean => b.x >= bounds.x && b.y >= bounds.y && b.x + b.w <= bounds.x + bounds.w && b.y + b.h <= bounds.y + bounds.h;
  for (const i of order) {
    const { cx, cy, w, h } = requests[i];
    const candidates: Box[] = [
      { x: cx + 6, y: cy - 4 - h, w, h },
      { x: cx + 6, y: cy + 4, w, h },
      { x: cx - 6 - w, y: cy - 4 - h, w, h },
      { x: cx - 6 - w, y: cy + 4, w, h },
    ];
    const free = candidates.find((b) => inside(b) && !placed.some((p) => overlaps(p, b)) && !avoid.some((p) => overlaps(p, b)));
    if (free) {
      placed.push(free);
      result[i] = free;
    }
  }
  return result;
}

/**
 * Draws style gain (across) against content correlation (up) for each pair, one point per setting: the curve the
 * defaults are chosen on. Up and right is better; the shaded corner is the target. Pure: returns pixels.
 */
export function drawTradeOff(input: TradeOffInput): RgbaImage {
  const img = createImage(M.l + W + M.r, M.t + H + M.b);
  const all = input.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.gain) && Number.isFinite(p.correlation));
  const references = input.series.map((s) => s.reference).filter((r): r is number => r !== undefined && Number.isFinite(r));
  const xs = [...all.map((p) => p.gain), ...references, ...(input.target ? [input.target.gain, 1] : [])];
  const ys = [...all.map((p) => p.correlation), ...(input.target ? [input.target.correlation, 1] : [])];
  const range = (v: number[]): [number, number] => {
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    const pad = Math.max(0.02, (hi - lo) * 0.06);
    return [Math.floor((lo - pad) * 20) / 20, Math.min(1, Math.ceil((hi + pad) * 20) / 20)];
  };
  const [x0, x1] = range(xs);
  const [y0, y1] = range(ys);
  const px = (x: number): number => M.l + Math.round(((x - x0) / (x1 - x0)) * (W - 1));
  const py = (y: number): number => M.t + H - 1 - Math.round(((y - y0) / (y1 - y0)) * (H - 1));

  if (input.target) {
    const tx = px(input.target.gain);
    const ty = py(Math.min(1, y1));
    fillRect(img, tx, ty, px(x1) - tx, py(input.target.correlation) - ty, [225, 240, 225]);
    text(img, 'target', tx + 4, ty + 4, 1, [40, 120, 40]);
  }
  // Grid and ticks.
  const step = (lo: number, hi: number): number => niceStep(hi - lo, 8);
  for (let x = Math.ceil(x0 / step(x0, x1)) * step(x0, x1); x <= x1 + 1e-9; x += step(x0, x1)) {
    fillRect(img, px(x), M.t, 1, H, [228, 228, 228]);
    const label = x.toFixed(2);
    text(img, label, px(x) - textWidth(label) / 2, M.t + H + 6);
  }
  for (let y = Math.ceil(y0 / step(y0, y1)) * step(y0, y1); y <= y1 + 1e-9; y += step(y0, y1)) {
    fillRect(img, M.l, py(y), W, 1, [228, 228, 228]);
    const label = y.toFixed(2);
    text(img, label, M.l - 7 - textWidth(label), py(y) - 3);
  }
  strokeRect(img, M.l - 1, M.t - 1, W + 2, H + 2, INK);
  const xLabel = 'held-out style gain';
  text(img, xLabel, M.l + W - textWidth(xLabel) * 2, M.t + H + 22, 2);
  text(img, 'content correlation', M.l, M.t - 10 - GLYPH_HEIGHT * 2, 2);
  if (input.title) text(img, input.title, M.l + W + 16, M.t - 10 - GLYPH_HEIGHT * 2, 1);

  const labels: (LabelRequest & { text: string; rgb: (typeof COLOURS)[number] })[] = [];
  const markers: Box[] = [];
  input.series.forEach((series, i) => {
    const rgb = COLOURS[i % COLOURS.length];
    const points = series.points.filter((p) => Number.isFinite(p.gain) && Number.isFinite(p.correlation));
    if (series.reference !== undefined && Number.isFinite(series.reference)) {
      const x = px(series.reference);
      for (let y = M.t; y < M.t + H; y += 10) fillRect(img, x, y, 1, Math.min(6, M.t + H - y), rgb);
    }
    points.forEach((p, k) => {
      const [cx, cy] = [px(p.gain), py(p.correlation)];
      if (k > 0) line(img, px(points[k - 1].gain), py(points[k - 1].correlation), cx, cy, rgb);
      fillRect(img, cx - 2, cy - 2, 5, 5, rgb);
      if (p.chosen) {
        strokeRect(img, cx - 6, cy - 6, 13, 13, INK);
        strokeRect(img, cx - 5, cy - 5, 11, 11, INK);
      }
      markers.push({ x: cx - 2, y: cy - 2, w: 5, h: 5 });
      if (p.label) labels.push({ cx, cy, w: textWidth(p.label), h: GLYPH_HEIGHT, priority: p.chosen, text: p.label, rgb });
    });
    // Legend.
    const ly = M.t + 8 + i * 18;
    fillRect(img, M.l + W + 16, ly, 12, 5, rgb);
    text(img, series.name, M.l + W + 34, ly - 1, 1);
  });
  // Labels last, once every point is known, so that none is printed over another or over a point.
  placeLabels(labels, { x: M.l + 1, y: M.t + 1, w: W - 2, h: H - 2 }, markers).forEach((box, i) => {
    if (box) text(img, labels[i].text, box.x, box.y, 1, labels[i].rgb);
  });
  let ly = M.t + 8 + input.series.length * 18 + 6;
  if (input.chosenLegend !== undefined) {
    strokeRect(img, M.l + W + 16, ly - 3, 11, 11, INK);
    text(img, input.chosenLegend, M.l + W + 34, ly, 1);
    ly += 18;
  }
  if (references.length > 0) {
    for (let x = 0; x < 12; x += 4) fillRect(img, M.l + W + 21, ly - 3 + x, 1, 3, INK);
    text(img, 'gain of the style halves', M.l + W + 34, ly, 1);
  }
  return img;
}
