/**
 * FLAC in the browser: libflacjs's script, served by the app itself, loaded into the worker on the first FLAC
 * download (it is about 1 MB, so a page that only plays or downloads WAV never fetches it).
 */
import { encodeFlacWith, whenFlacReady, type LibFlac } from '../audio/flac.js';

const loaded = new Map<string, Promise<LibFlac>>();

/**
 * libflacjs's asm.js build from `url`. The file is a UMD script: imported as a module it finds no module system and
 * defines `Flac` on the global scope (the worker's `self`), where it is picked up. Its WebAssembly build would need a
 * second file located by path; the asm.js build is self-contained.
 */
export function loadFlacScript(url: string): Promise<LibFlac> {
  let flac = loaded.get(url);
  if (!flac) {
    flac = import(/* @vite-ignore */ url).then(() => {
      const lib = (globalThis as { Flac?: LibFlac }).Flac;
      if (!lib?.create_libflac_encoder) throw new Error(`the FLAC encoder did not load from ${url}`);
      return whenFlacReady(lib);
    });
    // A failed load (offline, say) is not remembered: the next download tries again.
    flac.catch(() => loaded.delete(url));
    loaded.set(url, flac);
  }
  return flac;
}

/** Encodes channels as 16-bit FLAC with the encoder script at `scriptUrl`. */
export async function encodeFlacFrom(scriptUrl: string, channels: Float32Array[], sampleRate: number): Promise<Uint8Array> {
  return encodeFlacWith(await loadFlacScript(scriptUrl), channels, sampleRate);
}
