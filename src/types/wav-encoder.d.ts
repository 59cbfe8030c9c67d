// wav-encoder ships no types; this declares the part the project uses.
declare module 'wav-encoder' {
  interface AudioData {
    sampleRate: number;
    channelData: Float32Array[];
  }
  interface EncodeOptions {
    bitDepth?: 8 | 16 | 24 | 32;
    float?: boolean;
    symmetric?: boolean;
  }
  export function encode(data: AudioData, options?: EncodeOptions): Promise<ArrayBuffer>;
  export function encodeSync(data: AudioData, options?: EncodeOptions): ArrayBuffer;
}
