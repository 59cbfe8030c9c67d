/** A worker thread of Node's NormalsPool: draws the stretches of normal variates it is sent. */
import { parentPort } from 'node:worker_threads';
import { Random } from '../dsp/random.js';
import type { NormalsTask } from './normals-pool.js';

if (!parentPort) throw new Error('normals-worker runs as a worker thread of NormalsPool');
const port = parentPort;
port.on('message', ({ id, state, count, std }: NormalsTask) => {
  const out = Random.fromState(state).fillNormal(new Float32Array(count), std);
  port.postMessage({ id, out }, [out.buffer as ArrayBuffer]);
});
