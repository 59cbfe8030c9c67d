// The app's Griffin-Lim worker entry: one thread of the transfer worker's Griffin-Lim pool (src/web/griffin-lim.ts),
// started by the transfer worker (web/worker.ts) when the page is cross-origin isolated.
import { serveGriffinLim, type GriffinLimEndpoint } from '../src/dsp/griffin-lim-threads.js';

serveGriffinLim(self as unknown as GriffinLimEndpoint);
