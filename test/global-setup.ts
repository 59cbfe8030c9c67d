/** Run once around the whole suite: removes the weights cache folder that vitest.config.ts made for the tests' CLIs. */
import { rmSync } from 'node:fs';

export default function setup(): () => void {
  const dir = process.env.RESTYLE_TEST_CACHE_DIR;
  return () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}
