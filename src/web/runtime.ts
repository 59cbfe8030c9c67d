/**
 * The core bound to onnxruntime-web: WebGPU when the browser has a real GPU adapter, otherwise WebAssembly, with
 * threads when the page is cross-origin isolated. Runs in a Web Worker or on a page.
 */
import * as ort from 'onnxruntime-web';
import type { OrtApi, Runtime } from '../model/runtime.js';
import { WASM_HEAP_LIMIT_BYTES } from '../pipeline/memory.js';
import { chooseBackend, detectCapabilities, type WebBackend } from './capabilities.js';

/** Where onnxruntime-web's WebAssembly files are served from (the app passes the URLs its bundler gave them). */
export interface WasmPaths {
  /** URL of ort-wasm-simd-threaded.jsep.wasm. */
  wasm: string;
  /** URL of ort-wasm-simd-threaded.jsep.mjs (the Emscripten glue; its own URL also starts the thread workers). */
  mjs: string;
}

/** A runtime for the browser and what the user should be told about it. */
export interface WebRuntime {
  runtime: Runtime;
  /** What runs, for the page, e.g. "WebGPU (nvidia)" or "WebAssembly, 4 threads". */
  label: string;
  /** Why something faster is not used (no WebGPU adapter, no threads), one line each. */
  notes: string[];
}

/**
 * Creates the runtime for `backend`. onnxruntime-web's thread count and file locations are global and fixed by its
 * first session, so the first call decides them for the lifetime of the worker.
 */
export async function webRuntime(options: { backend?: WebBackend; threads?: number; wasmPaths?: WasmPaths } = {}): Promise<WebRuntime> {
  const caps = await detectCapabilities();
  const choice = chooseBackend(options.backend ?? 'auto', caps, options.threads);
  if (options.wasmPaths) ort.env.wasm.wasmPaths = { wasm: options.wasmPaths.wasm, mjs: options.wasmPaths.mjs };
  ort.env.wasm.numThreads = choice.threads;
  const runtime: Runtime = {
    ort: ort as unknown as OrtApi,
    executionProviders: choice.providers,
    threads: choice.threads,
    // A GPU that fails to create a session (unsupported operator, lost device) falls back to wasm with a note.
    fallbackToCpu: options.backend !== 'webgpu',
    // WebGPU copies every input to the GPU on every run: the weights (790 MB at the defaults) are copied there once instead.
    residentInputs: choice.providers[0] === 'webgpu',
    // On WebAssembly every tensor lives in its one heap; on WebGPU the large ones live on the GPU.
    ...(choice.providers[0] === 'wasm' ? { heapLimitBytes: WASM_HEAP_LIMIT_BYTES } : {}),
    notes: [],
  };
  return { runtime, label: choice.label, notes: choice.notes };
}
