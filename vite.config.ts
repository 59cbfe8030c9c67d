// The web app (web/): a static single-page app. The dev and preview servers send COOP/COEP so the page is
// cross-origin isolated (SharedArrayBuffer, hence onnxruntime-web's wasm threads); deploy with the same two headers.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig, defaultClientConditions, type Plugin } from 'vite';

/** Headers that make the page cross-origin isolated. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * audio-decode imports each codec on demand; a codec package npm did not install (e.g. @audio/decode-ape) fails at
 * run time in Node, but a bundler must resolve every import. Such codecs become a module that throws the same kind
 * of error, so the file is refused with a clear message instead of the build failing.
 */
function missingCodecs(): Plugin {
  const require = createRequire(import.meta.url);
  const PREFIX = '\0missing-codec:';
  return {
    name: 'restyle-missing-codecs',
    enforce: 'pre',
    resolveId(id) {
      if (!id.startsWith('@audio/decode-')) return null;
      try {
        require.resolve(`${id}/package.json`);
        return null;
      } catch {
        return PREFIX + id;
      }
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const name = id.slice(PREFIX.length);
      return `export default function () { throw new Error(${JSON.stringify(`no decoder for this format in this build (${name} is not installed)`)}); }`;
    },
  };
}

export default defineConfig({
  plugins: [missingCodecs()],
  // Relative to this file, so that tests and scripts may start the servers from anywhere.
  root: fileURLToPath(new URL('./web', import.meta.url)),
  base: './',
  // onnxruntime-web's "extern wasm" build loads its Emscripten glue (.mjs) as a file of its own, from the URL we
  // give it; the default build inlines the glue, and its thread workers would then re-run our worker bundle.
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
  worker: { format: 'es', plugins: () => [missingCodecs()] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The ONNX runtime's wasm (~28 MB) is one file; nothing to gain from warnings about it.
    chunkSizeWarningLimit: 4096,
    assetsInlineLimit: 0,
  },
  optimizeDeps: {
    exclude: ['onnxruntime-web'],
    // The worker's dependencies, pre-bundled at start: found later, they would reload the page in the middle of a run.
    entries: ['index.html', 'worker.ts', 'griffin-lim-worker.ts'],
    include: ['@alexanderolsen/libsamplerate-js', 'audio-decode', 'onnx-proto', 'fft.js', 'wav-encoder'],
  },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
});
