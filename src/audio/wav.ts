import { encode } from 'wav-encoder';

/** Sample formats the project writes. */
export type WavFormat = 'int16' | 'float32';

/** Encodes channels as a RIFF/WAVE file (wav-encoder): 16-bit PCM or 32-bit IEEE float. */
export async function encodeWav(channels: Float32Array[], sampleRate: number, format: WavFormat = 'int16'): Promise<Uint8Array> {
  const buffer = await encode({ sampleRate, channelData: channels }, format === 'float32' ? { float: true } : { bitDepth: 16 });
  return new Uint8Array(buffer);
}

/** Largest absolute sample. */
export function peak(signal: Float32Array): number {
  let p = 0;
  for (let i = 0; i < signal.length; i++) p = Math.max(p, Math.abs(signal[i]));
  return p;
}
