import { PNG } from 'pngjs';
import type { RgbaImage } from '../report/plot.js';

/** Encodes an RGBA image as PNG bytes (pngjs). */
export function encodePng(image: RgbaImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return new Uint8Array(PNG.sync.write(png));
}
