// The app's worker entry: the library's transfer worker, told where the bundler put onnxruntime-web's wasm files and
// libflacjs's encoder script (served from this site: the page fetches nothing from elsewhere), and how to start its
// Griffin-Lim threads and its weights threads (web/griffin-lim-worker.ts, web/normals-worker.ts, each bundled as a
// worker of its own), and to warm up while the page waits for its user. The encoder script is emitted as a
// file of its own and loaded on the first FLAC download only.
import wasm from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import mjs from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url';
import flac from 'libflacjs/dist/libflac.js?url';
import { startTransferWorker, type WorkerScope } from '../src/web/index.js';

const here = (url: string): string => new URL(url, self.location.href).href;
startTransferWorker(
  self as unknown as WorkerScope,
  { wasm: here(wasm), mjs: here(mjs) },
  {
    flacScript: here(flac),
    griffinLimWorker: () => new Worker(new URL('./griffin-lim-worker.ts', import.meta.url), { type: 'module' }),
    normalsWorker: () => new Worker(new URL('./normals-worker.ts', import.meta.url), { type: 'module' }),
    warmUp: true,
  },
);
