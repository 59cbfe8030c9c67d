/**
 * FLAC output for the CLI (`-o out.flac`): lossless and about half a WAV's size. The encoder is libFLAC itself, compiled
 * to JavaScript (libflacjs); its module is loaded on first use only, so a WAV run never pays for it.
 */
import { createRequire } from 'node:module';
import type libFlacFactory from 'libflacjs';

type Flac = ReturnType<typeof libFlacFactory>;

let loading: Promise<Flac> | null = null;

/** libflacjs's asm.js build: its WebAssembly build fetches the .wasm by file path, which Node's fetch refuses. */
function loadFlac(): Promise<Flac> {
  loading ??= new Promise((resolve) => {
    const flac = (createRequire(import.meta.url)('libflacjs') as typeof libFlacFactory)();
    if (flac.isReady()) resolve(flac);
    else flac.onready = () => resolve(flac);
  });
  return loading;
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

/** Encodes channels as a 16-bit FLAC file, with complete stream information (frame sizes and the audio's MD5). */
export async function encodeFlac(channels: Float32Array[], sampleRate: number): Promise<Uint8Array> {
  const count = channels.length;
  const frames = channels[0]?.length ?? 0;
  if (count < 1 || count > 8) throw new RangeError(`FLAC holds 1 to 8 channels, got ${count}`);
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > 655350) throw new RangeError(`FLAC sample rates are 1 to 655350 Hz, got ${sampleRate}`);
  const flac = await loadFlac();
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
  const out = new Uint8Array(Buffer.concat(parts));
  if (info) completeStreamInfo(out, info);
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
