import decode from 'audio-decode';
import { InputError } from '../errors.js';

/** Decoded audio: one Float32Array per channel, all of one length, at `sampleRate`. */
export interface AudioClip {
  /** Samples per channel, nominally in [-1, 1]. */
  channels: Float32Array[];
  /** Samples per second. */
  sampleRate: number;
}

/** The formats the tests decode (test/fixtures); audio-decode reads more (OGG/Opus, M4A/AAC, WMA, ...), untested here. */
export const TESTED_FORMATS = 'WAV, AIFF, CAF, FLAC, MP3, OGG/Vorbis, WebM/Opus, WavPack, AMR';

/**
 * Decodes WAV (8/16/24/32-bit integer, 32/64-bit float, MS ADPCM), AIFF, CAF, FLAC, MP3, OGG/Vorbis, WebM/Opus,
 * WavPack and AMR bytes, among others (OGG/Opus, M4A/AAC, ...), with audio-decode (wasm codecs, Node and browser).
 * `name` labels errors. Rejects empty, undecodable and non-finite audio with an InputError that says what is wrong.
 */
export async function decodeAudio(bytes: Uint8Array, name: string): Promise<AudioClip> {
  if (bytes.length === 0) throw new InputError(name, 'file is empty');
  checkWavHeader(bytes, name);
  let decoded;
  try {
    decoded = await decode(bytes);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new InputError(name, `cannot decode audio (${reason.replace(/\s+/g, ' ').trim()}); supported: ${TESTED_FORMATS}`);
  }
  const channels = decoded?.channelData ?? [];
  const sampleRate = decoded?.sampleRate;
  if (channels.length === 0 || channels[0].length === 0) throw new InputError(name, 'no audio samples (truncated or empty file?)');
  if (!Number.isFinite(sampleRate) || sampleRate <= 0) throw new InputError(name, `invalid sample rate ${sampleRate}`);
  let bad = 0;
  for (const ch of channels) for (let i = 0; i < ch.length; i++) if (!Number.isFinite(ch[i])) bad++;
  if (bad > 0) throw new InputError(name, `${bad} sample${bad === 1 ? ' is' : 's are'} NaN or infinite`);
  return { channels, sampleRate };
}

/** Most channels and the sample-rate range a WAV may declare before we call it corrupt. */
const MAX_CHANNELS = 256;
const SAMPLE_RATE_RANGE = [1000, 1_536_000] as const;

/**
 * Rejects a WAV whose fmt chunk declares an absurd channel count or sample rate before the decoder sees it: a
 * corrupted header claiming 65,282 channels kept the decoder busy for seconds before it failed (found by fuzzing).
 */
function checkWavHeader(bytes: Uint8Array, name: string): void {
  const tag = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 12; at + 8 <= bytes.length; ) {
    const size = view.getUint32(at + 4, true);
    if (tag(at) === 'fmt ') {
      if (at + 16 > bytes.length) return; // truncated: the decoder reports it
      const channels = view.getUint16(at + 10, true);
      const rate = view.getUint32(at + 12, true);
      if (channels < 1 || channels > MAX_CHANNELS) throw new InputError(name, `corrupt WAV header: ${channels} channels`);
      if (rate < SAMPLE_RATE_RANGE[0] || rate > SAMPLE_RATE_RANGE[1]) throw new InputError(name, `corrupt WAV header: sample rate ${rate} Hz`);
      return;
    }
    at += 8 + size + (size & 1);
  }
}

/** Averages the channels into one. */
export function toMono(clip: AudioClip): Float32Array {
  const { channels } = clip;
  if (channels.length === 1) return channels[0];
  const out = new Float32Array(channels[0].length);
  for (const ch of channels) for (let i = 0; i < out.length; i++) out[i] += ch[i];
  for (let i = 0; i < out.length; i++) out[i] /= channels.length;
  return out;
}
