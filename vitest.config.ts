import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The ONNX sessions use both cores; running test files one at a time keeps timings sane on 2-core CI.
    fileParallelism: false,
  },
});
