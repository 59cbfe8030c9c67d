/**
 * onnxruntime's execution providers by where they compute. No imports: the web page, which never loads the runtime,
 * uses this too, so that the core and the page agree on what counts as a GPU.
 */

/** The providers that compute on the CPU: onnxruntime-node's 'cpu' and onnxruntime-web's 'wasm'. */
export const CPU_PROVIDERS: readonly string[] = ['cpu', 'wasm'];

/** Whether `provider` computes on a GPU (WebGPU, CUDA, DirectML, ...): any provider that is not a CPU's. */
export function isGpuProvider(provider: string): boolean {
  return !CPU_PROVIDERS.includes(provider);
}
