/**
 * onnxruntime-web's WebAssembly heap after a run, against the estimate the run checked before it (its progress event's
 * memory.runtimeBytes, estimateMemory's; WASM_HEAP_LIMIT_BYTES is 4 GiB): onnxruntime-web in Node, one thread. The heap never shrinks, so its
 * size after the run is its peak. Content: the bundled speech (5.3 s) or looped speech of --seconds; style: the bundled
 * 4 s plucks or looped plucks of --style-seconds (a long style takes the Gram form, and from N / 3 feature frames of
 * content the whole-clip Gram difference by halves). The measured heaps are test/memory.test.ts' WASM_HEAP_MEASURED.
 * `--no-limit` runs what the estimate would refuse, to see whether the heap really passes 4 GiB.
 * Usage: npx tsx bench/wasm-heap.ts [--seconds 60] [--style-seconds 60] [--settings '{"filters":8192,"rounds":1}'] [--texture] [--no-limit]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { writeBenchClips } from './clips.js';

// Every WebAssembly memory made from here on, whether the module makes it or exports its own: onnxruntime-web's heap is
// one of them. Hooked before onnxruntime-web is imported.
const memories: WebAssembly.Memory[] = [];
const wasm = WebAssembly as unknown as Record<string, unknown>;
const NativeMemory = WebAssembly.Memory;
wasm.Memory = function (this: unknown, descriptor: WebAssembly.MemoryDescriptor) {
  const memory = new NativeMemory(descriptor);
  memories.push(memory);
  return memory;
} as unknown as typeof WebAssembly.Memory;
(wasm.Memory as { prototype: unknown }).prototype = NativeMemory.prototype;
const nativeInstantiate = WebAssembly.instantiate as (...args: unknown[]) => Promise<unknown>;
wasm.instantiate = async (...args: unknown[]) => {
  const made = (await nativeInstantiate(...args)) as { instance?: WebAssembly.Instance } & WebAssembly.Instance;
  for (const value of Object.values((made.instance ?? made).exports ?? {})) if (value instanceof NativeMemory) memories.push(value);
  return made;
};

const { decodeAudio, transfer } = await import('../src/index.js');
const { webRuntime } = await import('../src/web/runtime.js');

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5.3' },
    'style-seconds': { type: 'string', default: '4' },
    settings: { type: 'string', default: '{}' },
    texture: { type: 'boolean', default: false },
    'no-limit': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const styleSeconds = Number(values['style-seconds']);
const settings = JSON.parse(values.settings) as Record<string, unknown>;
const mode = values.texture ? 'texture' : 'transfer';

const clip = async (path: string) => decodeAudio(new Uint8Array(readFileSync(path)), path);
const contentPath = seconds === 5.3 ? 'examples/speech.wav' : (await writeBenchClips([seconds]))[0].content;
const stylePath = styleSeconds === 4 ? 'examples/plucks.wav' : (await writeBenchClips([styleSeconds]))[0].style;
const style = await clip(stylePath);
const { runtime } = await webRuntime({ backend: 'wasm', threads: 1 });
if (values['no-limit']) runtime.heapLimitBytes = undefined;
const request = values.texture ? { style, duration: seconds, ...settings } : { content: await clip(contentPath), style, ...settings };
const t0 = performance.now();
// The estimate the run checked and ran under (it may leave the Gram halves out to fit: transfer()).
let estimate = NaN;
await transfer(runtime, request, { onProgress: (e) => { if (e.memory) estimate = e.memory.runtimeBytes / 2 ** 20; } });
const elapsed = (performance.now() - t0) / 1000;
const heap = Math.max(...memories.map((m) => m.buffer.byteLength)) / 2 ** 20;
console.log(
  `${mode} ${seconds} s against ${styleSeconds} s, ${JSON.stringify(settings)}: heap ${heap.toFixed(0)} MiB, ` +
    `estimate ${estimate.toFixed(0)} MiB (${(estimate / heap).toFixed(2)}x), ${elapsed.toFixed(1)} s`,
);
