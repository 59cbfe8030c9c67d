/** A worker thread of Node's GriffinLimPool: serves the pool's tasks (src/dsp/griffin-lim-threads.ts). */
import { parentPort } from 'node:worker_threads';
import { serveGriffinLim, type GriffinLimEndpoint } from '../dsp/griffin-lim-threads.js';

if (!parentPort) throw new Error('griffin-lim-worker runs as a worker thread of GriffinLimPool');
serveGriffinLim(parentPort as unknown as GriffinLimEndpoint);
