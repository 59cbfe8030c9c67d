/**
 * Lets the host's event loop run pending tasks (a worker's "cancel" message, a signal handler) before continuing.
 * onnxruntime-web finishes a CPU session run without ever leaving the microtask queue, so a loop of awaited runs
 * would otherwise never see a message; a macrotask turn costs tens of microseconds, not setTimeout's clamped 4 ms.
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  if (typeof g.setImmediate === 'function') return new Promise((resolve) => g.setImmediate!(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
