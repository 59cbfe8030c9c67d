/** Pixel drawing for the report pictures: an RGBA image and the few primitives they need (no canvas in Node). */
import { rasterizeText } from './font.js';

/** An RGBA image, row-major, 4 bytes a pixel (what PNG encoders and canvas ImageData take). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Ink for text. */
export const INK = [30, 30, 30];

/** A new image filled with `rgb`. */
export function createImage(width: number, height: number, rgb: number[] = [255, 255, 255]): RgbaImage {
  const img = { width, height, data: new Uint8Array(width * height * 4) };
  fillRect(img, 0, 0, width, height, rgb);
  return img;
}

/** An axis label: integers as they are, others with one decimal. */
export function formatTick(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** Sets one pixel (ignored outside the image). */
export function setPixel(img: RgbaImage, x: number, y: number, rgb: number[]): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const i = 4 * (y * img.width + x);
  img.data[i] = rgb[0];
  img.data[i + 1] = rgb[1];
  img.data[i + 2] = rgb[2];
  img.data[i + 3] = 255;
}

/** Fills a rectangle. */
export function fillRect(img: RgbaImage, x: number, y: number, w: number, h: number, rgb: number[]): void {
  for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) setPixel(img, xx, yy, rgb);
}

/** Draws a rectangle's outline. */
export function strokeRect(img: RgbaImage, x: number, y: number, w: number, h: number, rgb: number[]): void {
  fillRect(img, x, y, w, 1, rgb);
  fillRect(img, x, y + h - 1, w, 1, rgb);
  fillRect(img, x, y, 1, h, rgb);
  fillRect(img, x + w - 1, y, 1, h, rgb);
}

/** Text in the built-in 5x7 font, top-left at (x, y). */
export function text(img: RgbaImage, s: string, x: number, y: number, scale = 1, rgb: number[] = INK): void {
  rasterizeText(s, Math.round(x), Math.round(y), scale, (px, py) => setPixel(img, px, py, rgb));
}

/** Bresenham line. */
export function line(img: RgbaImage, x0: number, y0: number, x1: number, y1: number, rgb: number[]): void {
  const dx = Math.abs(x1 - x0);
  const dy = -Math.abs(y1 - y0);
  const sx = x0 < x1 ? 1 : -1;
  const sy = y0 < y1 ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    setPixel(img, x0, y0, rgb);
    if (x0 === x1 && y0 === y1) return;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}
