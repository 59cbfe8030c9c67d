/**
 * What a pool of worker threads needs from its host, whichever the host: Node's worker threads or a browser's Web
 * Workers. Griffin-Lim's pool (griffin-lim-threads.ts) and the weights' (model/normals-threads.ts) are both built on it.
 */

/** One thread of a pool, as its host makes it: sends it tasks, hears its replies. */
export interface HostThread<Task, Reply> {
  /** Sends a task, handing over the listed buffers and ports. */
  post(task: Task, transfer: Transferable[]): void;
  /** Calls `onReply` with each answer and `onFailure` once the thread fails (an error, or its end). */
  listen(onReply: (reply: Reply) => void, onFailure: (err: Error) => void): void;
  /** Stops the thread. */
  terminate(): Promise<unknown> | void;
  /** Whether the thread keeps its host alive (Node's ref and unref); absent where threads never do. */
  keepAlive?(alive: boolean): void;
}

/** The side of a thread that the pool talks to: Node's parentPort, or a Web Worker's global scope. */
export interface ThreadEndpoint {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}
