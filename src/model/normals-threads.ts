/**
 * Normal variates drawn on other threads (Runtime.normals), for any host that has workers: Node's worker threads
 * (src/node/normals-pool.ts) or a browser's Web Workers (src/web/normals.ts). A net's weights, cut into stretches that
 * each start from the generator skipped ahead, come out the same as one thread's draw. Lifecycle: new
 * NormalsThreadPool(threads, spawn) -> draw (any number of times, at once too) -> dispose; the threads start at the
 * first draw and stop when idle for 1 s, so that their memory (~20 MiB each in Node) is not held through the run that
 * follows.
 */
import { Random } from '../dsp/random.js';
import type { HostThread, ThreadEndpoint } from '../dsp/threads.js';
import type { NormalsDrawer, NormalsRunner } from './weights.js';

/** A draw sent to a thread. */
export interface NormalsTask {
  id: number;
  state: Int32Array;
  count: number;
  std: number;
}

/** A thread's answer: the draw's values, or why it failed. */
export type NormalsReply = { id: number; out: Float32Array } | { id: number; error: string };

/** One thread of the pool, as its host makes it (a Node worker thread or a Web Worker). */
export type NormalsThread = HostThread<NormalsTask, NormalsReply>;

/** The side of a thread that the pool talks to: Node's parentPort, or a Web Worker's global scope. */
export type NormalsEndpoint = ThreadEndpoint;

/** Serves a pool's draws on a thread's endpoint (its worker's whole job). */
export function serveNormals(port: NormalsEndpoint): void {
  port.addEventListener('message', (event) => {
    const { id, state, count, std } = event.data as NormalsTask;
    try {
      const out = Random.fromState(state).fillNormal(new Float32Array(count), std);
      port.postMessage({ id, out } satisfies NormalsReply, [out.buffer as ArrayBuffer]);
    } catch (err) {
      port.postMessage({ id, error: err instanceof Error ? err.message : String(err) } satisfies NormalsReply, []);
    }
  });
}

/**
 * Cores from which the weights are drawn on other threads: on 2 cores two workers drew a net no faster than one
 * thread (0.82-1.03 s against 0.94 s, this project's machine); on a 16-thread Xeon 4 workers took a third of the time.
 */
export const NORMALS_MIN_CORES = 4;

/** The most threads that draw weights: 15 workers drew a net in 0.23-0.24 s, 8 in 0.32-0.37 s (16-thread Xeon). */
export const NORMALS_MAX_THREADS = 16;

/** Threads a weights pool gets on `cores` cores: one a core up to NORMALS_MAX_THREADS, or 0 (none) under 4 cores. */
export function normalsThreadsFor(cores: number): number {
  return cores < NORMALS_MIN_CORES ? 0 : Math.min(cores, NORMALS_MAX_THREADS);
}

/** How long idle threads wait for the next draw: a run's nets (one per kernel width) are drawn one after another. */
const IDLE_STOP_MS = 1000;

interface PoolThread {
  thread: NormalsThread;
  /** Ids of the draws it runs. */
  jobs: Set<number>;
}

/** Threads that draw normal variates, each a draw at a time; `spawn` starts one. */
export class NormalsThreadPool implements NormalsDrawer {
  private readonly running: PoolThread[] = [];
  private readonly waiting = new Map<number, { resolve: (out: Float32Array) => void; reject: (err: Error) => void }>();
  private nextId = 0;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;

  /** A pool of up to `threads` threads. */
  constructor(
    readonly threads: number,
    private readonly spawn: () => NormalsThread,
  ) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`a normals pool needs at least one thread, got ${threads}`);
  }

  /** Draws on the least busy thread (started if there are fewer than `threads`). */
  readonly draw: NormalsRunner = (state, count, std) =>
    new Promise<Float32Array>((resolve, reject) => {
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = null;
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      const target = this.pick();
      target.jobs.add(id);
      target.thread.keepAlive?.(true); // a draw in flight keeps the host alive
      target.thread.post({ id, state, count, std }, []);
    });

  /** Stops the threads; draws in flight fail. */
  async dispose(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const threads = this.running.splice(0);
    await Promise.all(threads.map((t) => t.thread.terminate()));
  }

  private pick(): PoolThread {
    const idle = this.running.find((t) => t.jobs.size === 0);
    if (idle) return idle;
    if (this.running.length < this.threads) return this.start();
    return this.running.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
  }

  private start(): PoolThread {
    const entry: PoolThread = { thread: this.spawn(), jobs: new Set() };
    this.running.push(entry);
    const settle = (id: number, outcome: { out: Float32Array } | { error: Error }): void => {
      entry.jobs.delete(id);
      if (entry.jobs.size === 0) entry.thread.keepAlive?.(false);
      const waiter = this.waiting.get(id);
      this.waiting.delete(id);
      if ('out' in outcome) waiter?.resolve(outcome.out);
      else waiter?.reject(outcome.error);
    };
    entry.thread.listen(
      (reply) => {
        settle(reply.id, 'out' in reply ? { out: reply.out } : { error: new Error(reply.error) });
        this.stopWhenIdle();
      },
      (err) => {
        const at = this.running.indexOf(entry);
        if (at >= 0) this.running.splice(at, 1);
        for (const id of [...entry.jobs]) settle(id, { error: err });
      },
    );
    return entry;
  }

  private stopWhenIdle(): void {
    if (this.waiting.size > 0 || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.waiting.size === 0) void this.dispose();
    }, IDLE_STOP_MS);
    // In Node a pending stop must not hold the process open (browsers' timers have no unref).
    (this.idleTimer as { unref?: () => void }).unref?.();
  }
}
