// The app's worker entry: the library's transfer worker, told where the bundler put onnxruntime-web's wasm files
// (served from this site: the page fetches nothing from elsewhere).
import wasm from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import mjs from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url';
import { startTransferWorker, type WorkerScope } from '../src/web/index.js';

startTransferWorker(self as unknown as WorkerScope, { wasm: new URL(wasm, self.location.href).href, mjs: new URL(mjs, self.location.href).href });
