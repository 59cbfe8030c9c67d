/**
 * FLAC output in Node (`-o out.flac`): the core encoder (src/audio/flac.ts) with libflacjs required from node_modules.
 * The module is loaded on first use only, so a WAV run never pays for it.
 */
import { createRequire } from 'node:module';
import type libFlacFactory from 'libflacjs';
import { encodeFlacWith, whenFlacReady, type LibFlac } from '../audio/flac.js';

let loading: Promise<LibFlac> | null = null;

/** libflacjs's asm.js build: its WebAssembly build fetches the .wasm by file path, which Node's fetch refuses. */
function loadFlac(): Promise<LibFlac> {
  loading ??= whenFlacReady((createRequire(import.meta.url)('libflacjs') as typeof libFlacFactory)());
  return loading;
}

/** Encodes channels as a 16-bit FLAC file, with complete stream information (frame sizes and the audio's MD5). */
export async function encodeFlac(channels: Float32Array[], sampleRate: number): Promise<Uint8Array> {
  return encodeFlacWith(await loadFlac(), channels, sampleRate);
}
