/** A worker thread of Node's NormalsPool: draws the stretches of normal variates it is sent (src/model/normals-threads.ts). */
import { parentPort } from 'node:worker_threads';
import { serveNormals, type NormalsEndpoint } from '../model/normals-threads.js';

if (!parentPort) throw new Error('normals-worker runs as a worker thread of NormalsPool');
serveNormals(parentPort as unknown as NormalsEndpoint);
