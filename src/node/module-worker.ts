/** Starting this package's worker threads from its compiled modules or, in tests and benches, its TypeScript sources. */
import { Worker } from 'node:worker_threads';
import type { HostThread } from '../dsp/threads.js';

/**
 * A worker thread running the module `name` (without extension) beside the module at `from` (its import.meta.url):
 * the compiled .js, or from the TypeScript sources its .ts through tsx, registered in the worker first (Node 20's
 * workers take no --import).
 */
export function startModuleWorker(name: string, from: string): Worker {
  const fromSource = from.endsWith('.ts');
  const url = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, from);
  return fromSource
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true })
    : new Worker(url);
}

/**
 * startModuleWorker's worker as one thread of a pool (src/dsp/threads.ts): it does not keep the process alive unless
 * the pool says so, and `label` names it in the error when it stops ("Griffin-Lim worker stopped (exit code 1)").
 */
export function startModuleThread<Task, Reply>(name: string, from: string, label: string): HostThread<Task, Reply> {
  const worker = startModuleWorker(name, from);
  worker.unref();
  return {
    post: (task, transfer) => worker.postMessage(task, transfer as never),
    listen: (onReply, onFailure) => {
      worker.on('message', (reply: Reply) => onReply(reply));
      worker.on('error', (err) => onFailure(err instanceof Error ? err : new Error(String(err))));
      worker.on('exit', (code) => onFailure(new Error(`${label} stopped (exit code ${code})`)));
    },
    terminate: () => worker.terminate(),
    keepAlive: (alive) => (alive ? worker.ref() : worker.unref()),
  };
}
