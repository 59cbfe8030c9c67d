/** PFFFT's Emscripten module factory (the package ships no types); src/dsp/fft.ts declares the exports it uses. */
declare module '@echogarden/pffft-wasm/simd' {
  const createModule: () => Promise<unknown>;
  export default createModule;
}
