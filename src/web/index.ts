/**
 * The library for browsers: the core, onnxruntime-web's runtime, and the Web Worker that runs transfers off the page.
 */
export * from '../index.js';
export { webRuntime, type WebRuntime, type WasmPaths } from './runtime.js';
export { chooseBackend, detectCapabilities, WEB_BACKENDS, type WebBackend, type BrowserCapabilities } from './capabilities.js';
export { startTransferWorker, failureOf, type WorkerScope, type WorkerAssets } from './worker.js';
export { encodeFlacFrom, loadFlacScript } from './flac.js';
export { webGriffinLimPool } from './griffin-lim.js';
export { webNormalsPool } from './normals.js';
export { serveNormals, NormalsThreadPool, type NormalsEndpoint } from '../model/normals-threads.js';
export { serveGriffinLim, type GriffinLimEndpoint } from '../dsp/griffin-lim-threads.js';
export { TransferClient, RunFailure, type RunCallbacks } from './client.js';
export type * from './protocol.js';
