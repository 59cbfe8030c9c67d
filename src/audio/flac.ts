/**
 * 16-bit FLAC encoding with libFLAC itself, compiled to JavaScript (libflacjs). Lossless and about half a WAV's size.
 * This module is the encoding only: where the library comes from differs (Node requires it; the web app's worker loads
 * its script from the app's own origin), so the caller passes it in. The Node and web bindings export `encodeFlac`.
 */
import type libFlacFactory from 'libflacjs';

/** The libFLAC module (libflacjs's `Flac`), once ready. */
export type LibFlac = ReturnType<typeof libFlacFactory>;

/** Resolves once `flac` has finished initialising (its asm.js heap is set up asynchronously). */
export function whenFlacReady(flac: LibFlac): Promise<LibFlac> {
  return new Promise((resolve) => {
    if (flac.isReady()) resolve(flac);
    else flac.onready = () => resolve(flac);
  });
}

/** A sample in [-1, 1] as a 16-bit integer, rounded as the WAV writer (wav-encoder) does: a FLAC holds the WAV's samples. */
export function toInt16(x: number): number {
  const v = Math.max(-1, Math.min(x, 1));
  return Math.round(v < 0 ? v * 32768 : v * 32767);
}

/** Frames handed to the encoder at a time. */
const BLOCK_FRAMES = 65536;
/** libFLAC's "default" compression level (what `flac` uses without options). */
const COMPRESSION_LEVEL = 5;

/** Encodes channels as a 16-bit FLAC file with `flac`, with complete stream information (frame sizes and the MD5). */
export function encodeFlacWith(flac: LibFlac, channels: Float32Array[], sampleRate: number): Uint8Array {
  const count = channels.length;
  const frames = channels[0]?.length ?? 0;
  if (count < 1 || count > 8) throw new RangeError(`FLAC holds 1 to 8 channels, got ${count}`);
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > 655350) throw new RangeError(`FLAC sample rates are 1 to 655350 Hz, got ${sampleRate}`);
  const encoder = flac.create_libflac_encoder(sampleRate, count, 16, COMPRESSION_LEVEL, frames, false);
  if (!encoder) throw new Error('FLAC encoder could not be created');
  const parts: Uint8Array[] = [];
  let info: { min_framesize: number; max_framesize: number; md5sum: string } | undefined;
  try {
    const status = flac.init_encoder_stream(
      encoder,
      (data, bytes) => void parts.push(data.slice(0, bytes)),
      (metadata) => void (info = metadata),
    );
    if (status !== 0) throw new Error(`FLAC encoder did not start (status ${status})`);
    const interleaved = new Int32Array(Math.min(frames, BLOCK_FRAMES) * count);
    for (let start = 0; start < frames; start += BLOCK_FRAMES) {
      const n = Math.min(BLOCK_FRAMES, frames - start);
      for (let i = 0; i < n; i++) for (let c = 0; c < count; c++) interleaved[i * count + c] = toInt16(channels[c][start + i]);
      if (!flac.FLAC__stream_encoder_process_interleaved(encoder, interleaved.subarray(0, n * count), n)) {
        throw new Error(`FLAC encoding failed (state ${flac.FLAC__stream_encoder_get_state(encoder)})`);
      }
    }
    if (!flac.FLAC__stream_encoder_finish(encoder)) throw new Error(`FLAC encoding failed (state ${flac.FLAC__stream_encoder_get_state(encoder)})`);
  } finally {
    flac.FLAC__stream_encoder_delete(encoder);
  }
  const out = joinBytes(parts);
  if (info) completeStreamInfo(out, info);
  return out;
}

/** The parts one after the other, in one array (Buffer.concat, where there is no Buffer). */
function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Writes the frame sizes and MD5 that libFLAC learns only at the end into the STREAMINFO block at the file's start:
 * written to a stream it cannot seek back, and leaves them 0 ("unknown"), which `flac -t` cannot check.
 */
function completeStreamInfo(file: Uint8Array, info: { min_framesize: number; max_framesize: number; md5sum: string }): void {
  // "fLaC", then the first metadata block's header (type 0: STREAMINFO), then its 34 bytes.
  const isStreamInfo = file.length >= 42 && String.fromCharCode(...file.subarray(0, 4)) === 'fLaC' && (file[4] & 0x7f) === 0;
  if (!isStreamInfo || !/^[0-9a-f]{32}$/.test(info.md5sum)) return;
  const put24 = (offset: number, v: number): void => {
    file[offset] = (v >>> 16) & 0xff;
    file[offset + 1] = (v >>> 8) & 0xff;
    file[offset + 2] = v & 0xff;
  };
  put24(12, info.min_framesize);
  put24(15, info.max_framesize);
  for (let i = 0; i < 16; i++) file[26 + i] = parseInt(info.md5sum.slice(2 * i, 2 * i + 2), 16);
}
