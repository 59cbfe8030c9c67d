// `npm start`: restyles the bundled speech with the bundled plucked chords and says where the result went.
// Extra arguments pass through to the CLI, e.g. `npm start -- --iterations 40`.
import { mkdirSync } from 'node:fs';
import { main } from '../dist/cli/main.js';

mkdirSync('out', { recursive: true });
const code = await main(['examples/speech.wav', 'examples/plucks.wav', '-o', 'out/speech-plucks.wav', '-y', ...process.argv.slice(2)]);
if (code === 0) console.log('Result: out/speech-plucks.wav (content examples/speech.wav, style examples/plucks.wav)');
process.exit(code);
