/**
 * What the browser offers (WebGPU adapter, cross-origin isolation, cores) and the backend chosen from it. No
 * onnxruntime import here: the page uses this to describe the backend without loading the runtime.
 */
import { ResourceError } from '../errors.js';
// The type only: the page's script stays free of the core's modules.
import type { MemoryEstimate } from '../pipeline/memory.js';
import type { Runtime } from '../model/runtime.js';
import { isGpuProvider } from '../model/providers.js';

/** Where the graphs run in the browser. */
export type WebBackend = 'auto' | 'webgpu' | 'wasm';

/** The backends, for validation and the page's selector. */
export const WEB_BACKENDS: readonly WebBackend[] = ['auto', 'webgpu', 'wasm'];

/** The browser features that decide the backend, detected once (separate so that tests can fake them). */
export interface BrowserCapabilities {
  /** A WebGPU adapter that is not a software fallback, described; null when there is none. */
  gpuAdapter: string | null;
  /** Why there is no GPU adapter (no navigator.gpu, no adapter, software only). */
  gpuMissingReason?: string;
  /** A software WebGPU adapter (e.g. SwiftShader), described, when that is all there is: used only when asked for. */
  softwareAdapter?: string;
  /** Whether SharedArrayBuffer may be used (the page is cross-origin isolated), which wasm threads need. */
  crossOriginIsolated: boolean;
  /** Logical processors. */
  hardwareConcurrency: number;
  /** Whether WebAssembly exists at all. */
  webAssembly: boolean;
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

/** Detects WebGPU, cross-origin isolation and cores in this global scope (window or worker). */
export async function detectCapabilities(): Promise<BrowserCapabilities> {
  const scope = globalThis as unknown as { navigator?: { gpu?: GpuLike; hardwareConcurrency?: number }; crossOriginIsolated?: boolean };
  const gpu = scope.navigator?.gpu;
  let gpuAdapter: string | null = null;
  let gpuMissingReason: string | undefined;
  let softwareAdapter: string | undefined;
  if (!gpu) {
    gpuMissingReason = 'this browser has no WebGPU';
  } else {
    try {
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      const name = [adapter?.info?.vendor, adapter?.info?.architecture].filter(Boolean).join(' ') || 'GPU';
      // A software adapter (SwiftShader) runs the graphs far slower than wasm: "auto" treats it as no GPU.
      if (!adapter) gpuMissingReason = 'WebGPU found no GPU adapter';
      else if (adapter.info?.isFallbackAdapter || adapter.isFallbackAdapter) {
        gpuMissingReason = 'WebGPU offers only a software adapter';
        softwareAdapter = name;
      } else gpuAdapter = name;
    } catch (err) {
      gpuMissingReason = `WebGPU failed (${err instanceof Error ? err.message : String(err)})`;
    }
  }
  return {
    gpuAdapter,
    gpuMissingReason,
    softwareAdapter,
    crossOriginIsolated: scope.crossOriginIsolated === true,
    hardwareConcurrency: Math.max(1, scope.navigator?.hardwareConcurrency ?? 1),
    webAssembly: typeof WebAssembly === 'object',
  };
}

/** Most wasm threads used: onnxruntime-web's own cap, and more rarely helps a single convolution. */
const MAX_WASM_THREADS = 16;

/**
 * Chooses the backend from the capabilities: 'webgpu' insists (a software adapter if that is all there is, an error
 * without any), 'wasm' never uses the GPU, 'auto' uses WebGPU when there is a hardware adapter.
 * Pure: webRuntime() applies the choice to onnxruntime-web.
 */
export function chooseBackend(
  requested: WebBackend,
  caps: BrowserCapabilities,
  threads = 0,
): { providers: string[]; threads: number; label: string; notes: string[] } {
  if (!caps.webAssembly) throw new ResourceError('this browser has no WebAssembly, which restyle needs; use a current Chrome, Edge, Firefox or Safari');
  const notes: string[] = [];
  const wasmThreads = caps.crossOriginIsolated ? Math.min(MAX_WASM_THREADS, threads > 0 ? threads : caps.hardwareConcurrency) : 1;
  if (!caps.crossOriginIsolated) {
    notes.push('WebAssembly threads unavailable: the page is not cross-origin isolated (serve it with COOP/COEP headers), so one thread runs');
  }
  if (requested === 'webgpu' && !caps.gpuAdapter && caps.softwareAdapter) {
    const label = `WebGPU (${caps.softwareAdapter}, software)`;
    return { providers: ['webgpu'], threads: wasmThreads, label, notes: [...notes, 'WebGPU runs on a software adapter here: expect it to be slower than WebAssembly'] };
  }
  if (requested === 'webgpu' && !caps.gpuAdapter) {
    throw new ResourceError(`WebGPU unavailable: ${caps.gpuMissingReason ?? 'no adapter'}; choose "auto" or "wasm"`);
  }
  if (requested !== 'wasm' && caps.gpuAdapter) {
    return { providers: ['webgpu'], threads: wasmThreads, label: `WebGPU (${caps.gpuAdapter})`, notes: [] };
  }
  if (requested === 'auto') notes.unshift(`${caps.gpuMissingReason ?? 'no WebGPU'}: running on WebAssembly`);
  return { providers: ['wasm'], threads: wasmThreads, label: `WebAssembly, ${wasmThreads} thread${wasmThreads === 1 ? '' : 's'}`, notes };
}

/**
 * A warning for a run whose estimated memory comes near what the device reports (navigator.deviceMemory, GB, which
 * Chromium rounds down to a power of two and caps: Chromium 156 reports 16 on a 24 GB machine; other browsers give
 * none), or undefined. On WebAssembly onnxruntime's heap holds copies of what the page holds, so the two parts add up:
 * a 10-minute clip at 44.1 kHz was estimated at 5.1 + 2.5 GB and took Chromium's processes to 7.9 GB RSS together.
 */
export function memoryWarning(estimate: MemoryEstimate, onWasm: boolean, deviceMemoryGb: number | undefined): string | undefined {
  if (!deviceMemoryGb || !(deviceMemoryGb > 0)) return undefined;
  const bytes = estimate.totalBytes + (onWasm ? estimate.runtimeBytes : 0);
  // A page cannot have all of the device's memory: the browser, the system and other tabs hold some of it.
  if (bytes <= 0.75 * deviceMemoryGb * 2 ** 30) return undefined;
  return (
    `this run needs about ${(bytes / 2 ** 30).toFixed(1)} GB of memory and this device reports about ${deviceMemoryGb} GB: ` +
    'the page may run out of memory and close; a lower sample rate, fewer filters or a shorter clip need less'
  );
}

/**
 * The least device memory (navigator.deviceMemory, GB) at which the page prepares a run's nets before it is asked to
 * run (pipeline/prepare.ts): that brings the page to where one run leaves it, about 1.6 GB more than an idle page in
 * Chromium (2.9 against 1.3 GB of RSS at the defaults; 3.0 against 2.9 GB after a run), which a device with less should
 * spend only when asked. Where the browser reports nothing, the page prepares.
 */
export const PREPARE_MIN_DEVICE_MEMORY_GB = 8;

/** Whether the page should prepare the next run's nets while idle, on a device that reports `deviceMemoryGb` (or none). */
export function preparesAhead(deviceMemoryGb: number | undefined): boolean {
  return !(deviceMemoryGb && deviceMemoryGb > 0) || deviceMemoryGb >= PREPARE_MIN_DEVICE_MEMORY_GB;
}

/**
 * What a run that started on `startedOn` now computes on, when that changed, or null. A GPU that fails to open a session
 * mid-run switches the runtime to WebAssembly for good (createSession's fallback), after the page was told WebGPU: the
 * page's badge, and its memory warning, which counts the WebAssembly heap, must then follow.
 */
export function fallbackBackend(startedOn: string, runtime: Pick<Runtime, 'executionProviders' | 'threads' | 'notes'>): { label: string; notes: string[] } | null {
  const now = runtime.executionProviders[0];
  if (now === undefined || now === startedOn || isGpuProvider(now)) return null;
  const { threads } = runtime;
  return { label: `WebAssembly, ${threads} thread${threads === 1 ? '' : 's'} (${startedOn} failed)`, notes: [...(runtime.notes ?? [])] };
}
