import libsamplerate from '@alexanderolsen/libsamplerate-js';

const { create, ConverterType } = libsamplerate;

/** Input samples of silence appended before resampling, so the converter's filter delay does not cut the end. */
const FLUSH_SAMPLES = 2048;

/**
 * Band-limited resampling with libsamplerate (sinc, medium quality: error ~1e-8 in-band on a sine here).
 * The output has exactly round(length * to / from) samples.
 */
export async function resample(signal: Float32Array, from: number, to: number): Promise<Float32Array> {
  if (from === to) return signal;
  const expected = Math.round((signal.length * to) / from);
  // A fresh converter per call: reusing one for a second large call has returned truncated output.
  const converter = await create(1, from, to, { converterType: ConverterType.SRC_SINC_MEDIUM_QUALITY });
  try {
    const padded = new Float32Array(signal.length + Math.ceil((FLUSH_SAMPLES * from) / Math.min(from, to)));
    padded.set(signal);
    const out = converter.simple(padded);
    if (out.length >= expected) return out.slice(0, expected);
    const exact = new Float32Array(expected);
    exact.set(out);
    return exact;
  } finally {
    converter.destroy();
  }
}
