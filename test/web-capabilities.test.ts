// The browser backend choice, as a pure function of what the browser offers (the real browser is in web.test.ts).
import { describe, expect, it } from 'vitest';
import { chooseBackend, fallbackBackend, memoryWarning, preparesAhead, type BrowserCapabilities } from '../src/web/capabilities.js';
import { ResourceError } from '../src/errors.js';

const base: BrowserCapabilities = { gpuAdapter: null, gpuMissingReason: 'WebGPU found no GPU adapter', crossOriginIsolated: true, hardwareConcurrency: 8, webAssembly: true };

describe('chooseBackend', () => {
  it('auto uses a hardware WebGPU adapter when there is one', () => {
    const c = chooseBackend('auto', { ...base, gpuAdapter: 'nvidia ampere', gpuMissingReason: undefined });
    expect(c.providers).toEqual(['webgpu']);
    expect(c.label).toBe('WebGPU (nvidia ampere)');
    expect(c.notes).toEqual([]);
  });

  it('auto falls back to wasm with every core as threads and says why', () => {
    const c = chooseBackend('auto', base);
    expect(c).toMatchObject({ providers: ['wasm'], threads: 8, label: 'WebAssembly, 8 threads' });
    expect(c.notes).toEqual(['WebGPU found no GPU adapter: running on WebAssembly']);
  });

  it('runs one wasm thread when the page is not cross-origin isolated, and says how to fix it', () => {
    const c = chooseBackend('wasm', { ...base, crossOriginIsolated: false });
    expect(c).toMatchObject({ providers: ['wasm'], threads: 1, label: 'WebAssembly, 1 thread' });
    expect(c.notes.join()).toMatch(/not cross-origin isolated \(serve it with COOP\/COEP headers\)/);
  });

  it('honours an explicit thread count, capped at 16', () => {
    expect(chooseBackend('wasm', base, 3).threads).toBe(3);
    expect(chooseBackend('wasm', { ...base, hardwareConcurrency: 64 }).threads).toBe(16);
  });

  it('wasm never uses the GPU; webgpu without an adapter is an error naming the reason and the alternatives', () => {
    expect(chooseBackend('wasm', { ...base, gpuAdapter: 'gpu' }).providers).toEqual(['wasm']);
    expect(() => chooseBackend('webgpu', base)).toThrow(ResourceError);
    expect(() => chooseBackend('webgpu', base)).toThrow('WebGPU unavailable: WebGPU found no GPU adapter; choose "auto" or "wasm"');
  });

  it('uses a software WebGPU adapter only when WebGPU is asked for, and warns about its speed', () => {
    const caps = { ...base, gpuMissingReason: 'WebGPU offers only a software adapter', softwareAdapter: 'google swiftshader' };
    expect(chooseBackend('auto', caps).providers).toEqual(['wasm']);
    const c = chooseBackend('webgpu', caps);
    expect(c).toMatchObject({ providers: ['webgpu'], label: 'WebGPU (google swiftshader, software)' });
    expect(c.notes.join()).toMatch(/software adapter .* slower than WebAssembly/);
  });

  it('refuses a browser without WebAssembly', () => {
    expect(() => chooseBackend('auto', { ...base, webAssembly: false })).toThrow(/no WebAssembly/);
  });
});

describe('preparesAhead', () => {
  it('prepares where the device reports 8 GB or more, or nothing; not on smaller devices', () => {
    expect([undefined, 0, 8, 16, 32].map(preparesAhead)).toEqual([true, true, true, true, true]);
    expect([0.25, 1, 2, 4].map(preparesAhead)).toEqual([false, false, false, false]);
  });
});

describe('memoryWarning', () => {
  const GB = 2 ** 30;
  // The 10-minute 44.1 kHz clip's estimate, which took Chromium to 7.9 GB RSS.
  const long = { totalBytes: 5.1 * GB, runtimeBytes: 2.5 * GB };

  it('warns past three quarters of the memory the device reports, counting the WebAssembly heap on top', () => {
    expect(memoryWarning(long, true, 8)).toBe(
      'this run needs about 7.6 GB of memory and this device reports about 8 GB: the page may run out of memory and ' +
        'close; a lower sample rate, fewer filters or a shorter clip need less',
    );
    expect(memoryWarning(long, true, 16)).toBeUndefined();
    expect(memoryWarning(long, false, 8)).toBeUndefined(); // on WebGPU the heap is not a second copy: 5.1 <= 6
    expect(memoryWarning({ totalBytes: 2.9 * GB, runtimeBytes: 0.1 * GB }, true, 4)).toBeUndefined(); // 3.0 <= 3
    expect(memoryWarning({ totalBytes: 2.9 * GB, runtimeBytes: 0.2 * GB }, true, 4)).toMatch(/^this run needs about 3\.1 GB of memory and this device reports about 4 GB: /);
  });

  it('says nothing where the browser does not tell the memory (Firefox, Safari)', () => {
    expect(memoryWarning(long, true, undefined)).toBeUndefined();
    expect(memoryWarning(long, true, 0)).toBeUndefined();
  });
});

describe('fallbackBackend', () => {
  it('names WebAssembly once a WebGPU run has fallen back to it, with the reason, and nothing otherwise', () => {
    const notes = ['webgpu unavailable (device lost): running on the CPU'];
    // createSession's fallback leaves the providers as ['cpu'], onnxruntime-web's name for its WebAssembly backend.
    expect(fallbackBackend('webgpu', { executionProviders: ['cpu'], threads: 4, notes })).toEqual({
      label: 'WebAssembly, 4 threads (webgpu failed)',
      notes,
    });
    expect(fallbackBackend('webgpu', { executionProviders: ['wasm'], threads: 1 })?.label).toBe('WebAssembly, 1 thread (webgpu failed)');
    expect(fallbackBackend('webgpu', { executionProviders: ['webgpu', 'wasm'], threads: 4 })).toBeNull();
    expect(fallbackBackend('wasm', { executionProviders: ['wasm'], threads: 4 })).toBeNull();
  });
});
