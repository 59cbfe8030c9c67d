/** Starting this package's worker threads from its compiled modules or, in tests and benches, its TypeScript sources. */
import { Worker } from 'node:worker_threads';

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
