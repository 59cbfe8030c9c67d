import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// The CLI keeps the nets' weights in a disk cache; the CLIs the tests start keep theirs in a folder of this run's
// (removed by test/global-setup.ts), never in the user's ~/.cache.
// Set in this process, which starts the test workers (they inherit it) and runs the global set-up; made once, should
// the config be read again.
process.env.RESTYLE_TEST_CACHE_DIR ??= mkdtempSync(path.join(os.tmpdir(), 'restyle-test-cache-'));
const cacheDir = process.env.RESTYLE_TEST_CACHE_DIR;
process.env.RESTYLE_CACHE_DIR = cacheDir;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The ONNX sessions use both cores; running test files one at a time keeps timings sane on 2-core CI.
    fileParallelism: false,
    env: { RESTYLE_CACHE_DIR: cacheDir },
    globalSetup: ['test/global-setup.ts'],
  },
});
