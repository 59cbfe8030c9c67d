/** Periodic Hann window of length n (as torch.hann_window and librosa's 'hann'): the form that sums to a constant at hop n/4. */
export function hannWindow(n: number): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}
