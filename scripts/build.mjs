// `npm run build`: compiles src/ to dist/ incrementally (tsc -b): 0.4 s when nothing changed, against 2.6 s for a whole
// build, which `npm start` and `npm test` would otherwise pay after `npm ci` has just built. tsc trusts its build info
// (dist/.tsbuildinfo) over the files, so an output deleted by hand would stay missing: where one is, the build starts
// afresh.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The TypeScript sources under `dir` that compile to a .js file (not declaration files). */
function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(file);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield file;
  }
}

const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
const missing = [...sources(src)].find((file) => !existsSync(path.join(dist, path.relative(src, file)).replace(/\.ts$/, '.js')));
if (missing) rmSync(path.join(dist, '.tsbuildinfo'), { force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const { status } = spawnSync(process.execPath, [tsc, '-b', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
process.exit(status ?? 1);
