/** A Web Worker as one thread of a pool (src/dsp/threads.ts): Griffin-Lim's and the weights' nested workers. */
import type { HostThread } from '../dsp/threads.js';

/** `worker` as a pool's thread; `label` names it in its errors ("Griffin-Lim worker: failed to start"). */
export function webWorkerThread<Task, Reply>(worker: Worker, label: string): HostThread<Task, Reply> {
  return {
    post: (task, transfer) => worker.postMessage(task, transfer),
    listen: (onReply, onFailure) => {
      worker.addEventListener('message', (event: MessageEvent<Reply>) => onReply(event.data));
      worker.addEventListener('error', (event) => {
        event.preventDefault(); // the pool reports it
        onFailure(new Error(`${label}: ${event.message || 'failed to start'}`));
      });
      worker.addEventListener('messageerror', () => onFailure(new Error(`${label}: a message could not be read`)));
    },
    terminate: () => worker.terminate(),
  };
}
