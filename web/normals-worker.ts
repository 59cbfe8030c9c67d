// The app's weights worker entry: one thread of the transfer worker's pool that draws the nets' weights
// (src/web/normals.ts), started by the transfer worker (web/worker.ts) on machines with 4 cores or more.
import { serveNormals, type NormalsEndpoint } from '../src/model/normals-threads.js';

serveNormals(self as unknown as NormalsEndpoint);
