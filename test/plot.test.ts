import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { drawReport, colormap, niceStep } from '../src/report/plot.js';
import { encodePng } from '../src/node/png.js';
import { drawTradeOff, placeLabels, type Box } from '../src/report/trade-off.js';

/** A spectrogram with one loud bin (a tone) over quiet noise-free silence. */
function toneSpec(bins: number, frames: number, bin: number) {
  const data = new Float32Array(bins * frames);
  for (let t = 0; t < frames; t++) data[bin * frames + t] = Math.log1p(100);
  return { data, bins, frames };
}

describe('report picture', () => {
  it('colour map runs from near black to pale yellow; ticks step 1-2-5', () => {
    expect(colormap(0)).toEqual([0, 0, 4]);
    expect(colormap(1)).toEqual([252, 253, 191]);
    expect(colormap(2)).toEqual(colormap(1));
    expect(niceStep(10, 6)).toBe(2);
    expect(niceStep(11.025, 6)).toBe(2);
    expect(niceStep(0.9, 6)).toBe(0.2);
  });

  it('draws each panel with the loud bin bright where it is, encodes as a PNG that decodes', () => {
    const image = drawReport({
      panels: [
        { title: 'content', spec: toneSpec(65, 40, 10) },
        { title: 'result', spec: toneSpec(65, 40, 50) },
      ],
      lossHistory: [1000, 300, 120, 80],
      sampleRate: 22050,
      hop: 512,
    });
    const png = PNG.sync.read(Buffer.from(encodePng(image)));
    expect([png.width, png.height]).toEqual([image.width, image.height]);
    // Brightness of a panel's middle column, top to bottom: the tone's row is the brightest.
    const brightestRow = (x: number): number => {
      let best = -1;
      let row = 0;
      for (let y = 28; y < 328; y++) {
        const i = 4 * (y * png.width + x);
        const v = png.data[i] + png.data[i + 1] + png.data[i + 2];
        if (v > best) [best, row] = [v, y];
      }
      return row;
    };
    // Bin 10 of 65 sits low in the first panel, bin 50 high in the second (frequency grows upwards).
    const low = brightestRow(58 + 190);
    const high = brightestRow(58 + 380 + 26 + 190);
    expect(low).toBeGreaterThan(28 + 300 * (1 - 11 / 65) - 6);
    expect(high).toBeLessThan(28 + 300 * (1 - 50 / 65) + 6);
  });

  it('marks where a later round begins and does not join the loss curve across it', () => {
    const panels = [{ title: 'result', spec: toneSpec(65, 40, 10) }];
    const draw = (roundStarts?: number[]) => drawReport({ panels, lossHistory: [1000, 300, 2000, 500], roundStarts, sampleRate: 22050, hop: 512 });
    // Pixels of the curve's colour, and of the dashed marker's grey, in the loss panel's column halfway between
    // iterations 1 and 2 (the panel spans x 58 .. width - 80, y 376 .. 566).
    const column = (image: ReturnType<typeof draw>, rgb: number[]): number => {
      const x = 58 + Math.round(0.5 * (image.width - 58 - 80 - 1));
      let n = 0;
      for (let y = 376; y < 566; y++) {
        const i = 4 * (y * image.width + x);
        if (image.data[i] === rgb[0] && image.data[i + 1] === rgb[1] && image.data[i + 2] === rgb[2]) n++;
      }
      return n;
    };
    const curve = [200, 60, 40];
    const marker = [140, 140, 140];
    expect(column(draw(), curve)).toBeGreaterThan(0);
    expect(column(draw(), marker)).toBe(0);
    expect(column(draw([2]), curve)).toBe(0);
    expect(column(draw([2]), marker)).toBeGreaterThan(10);
  });
});

describe('trade-off chart', () => {
  it('puts better points up and to the right, shades the target corner, rings the default', () => {
    const image = drawTradeOff({
      series: [{ name: 'a + b', points: [{ gain: 0.6, correlation: 0.9, label: 'few' }, { gain: 0.8, correlation: 0.7, label: 'many', chosen: true }] }],
      target: { gain: 0.95, correlation: 0.85 },
      chosenLegend: 'default',
    });
    const at = (x: number, y: number): number[] => Array.from(image.data.subarray(4 * (y * image.width + x), 4 * (y * image.width + x) + 3));
    // The points are 5x5 squares of the series colour (labels and lines are thinner): find their centres.
    const red = (x: number, y: number): boolean => at(x, y).join() === '200,60,40';
    const centres: [number, number][] = [];
    for (let y = 42; y < 498; y++) {
      for (let x = 66; x < 702; x++) {
        let full = true;
        for (let dy = -2; dy <= 2 && full; dy++) for (let dx = -2; dx <= 2 && full; dx++) full = red(x + dx, y + dy);
        if (full) centres.push([x, y]);
      }
    }
    expect(centres).toHaveLength(2);
    const [left, right] = centres[0][0] < centres[1][0] ? centres : [centres[1], centres[0]];
    expect(left[1]).toBeLessThan(right[1]); // higher correlation is drawn higher (smaller y)
    // The target corner (gain >= 0.95, corr >= 0.85) is shaded; the plot's lower-left corner is not.
    expect(at(64 + 640 - 3, 40 + 3)).toEqual([225, 240, 225]);
    expect(at(64 + 3, 40 + 460 - 3)).toEqual([255, 255, 255]);
    // The default is ringed in ink around the 'many' point.
    expect(at(right[0] - 6, right[1])).toEqual([30, 30, 30]);
    expect(at(left[0] - 6, left[1])).not.toEqual([30, 30, 30]);
  });

  it("trade-off chart: a series' reference gain is a dashed vertical line in its colour", () => {
    const series = { name: 'a + b', points: [{ gain: 0.6, correlation: 0.9 }, { gain: 0.8, correlation: 0.7 }] };
    const columnsOf = (image: ReturnType<typeof drawTradeOff>) => {
      // Columns of the plot area with many red pixels, and how many runs (dashes) they form.
      const found: { x: number; red: number; runs: number }[] = [];
      for (let x = 66; x < 702; x++) {
        let red = 0;
        let runs = 0;
        let previous = false;
        for (let y = 42; y < 498; y++) {
          const i = 4 * (y * image.width + x);
          const isRed = image.data[i] === 200 && image.data[i + 1] === 60 && image.data[i + 2] === 40;
          if (isRed) red++;
          if (isRed && !previous) runs++;
          previous = isRed;
        }
        if (red > 200) found.push({ x, red, runs });
      }
      return found;
    };
    expect(columnsOf(drawTradeOff({ series: [series] }))).toEqual([]);
    const dashed = columnsOf(drawTradeOff({ series: [{ ...series, reference: 0.7 }] }));
    expect(dashed).toHaveLength(1);
    expect(dashed[0].runs).toBeGreaterThan(30); // dashes, not a solid line
  });
});

describe('trade-off chart labels', () => {
  const overlap = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  const bounds = { x: 0, y: 0, w: 400, h: 300 };

  it('never overlap one another or the points, stay inside, and the ringed point keeps its label', () => {
    // Twelve points bunched within 12 px, as a texture's curve is: most labels cannot all fit.
    const requests = Array.from({ length: 12 }, (_, i) => ({ cx: 200 + (i % 4) * 4, cy: 150 + Math.floor(i / 4) * 4, w: 50, h: 7, priority: i === 7 }));
    const markers = requests.map((r) => ({ x: r.cx - 2, y: r.cy - 2, w: 5, h: 5 }));
    const boxes = placeLabels(requests, bounds, markers);
    const placed = boxes.filter((b): b is Box => b !== null);
    expect(placed.length).toBeGreaterThan(1);
    expect(placed.length).toBeLessThan(12); // some are dropped rather than printed over each other
    expect(boxes[7]).not.toBeNull();
    for (const [i, a] of placed.entries()) {
      expect(a.x >= 0 && a.y >= 0 && a.x + a.w <= 400 && a.y + a.h <= 300).toBe(true);
      for (const b of placed.slice(i + 1)) expect(overlap(a, b)).toBe(false);
      for (const m of markers) expect(overlap(a, m)).toBe(false);
    }
  });

  it('go right and above a lone point, and to the left at the right edge', () => {
    expect(placeLabels([{ cx: 100, cy: 100, w: 40, h: 7 }], bounds)[0]).toEqual({ x: 106, y: 89, w: 40, h: 7 });
    expect(placeLabels([{ cx: 390, cy: 100, w: 40, h: 7 }], bounds)[0]).toEqual({ x: 344, y: 89, w: 40, h: 7 });
  });
});
