/** What the CLI test files share: paths, a runner for the built CLI, and fresh temporary folders. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The repository root. */
export const root = path.resolve(new URL('..', import.meta.url).pathname);
/** The built CLI (npm test builds it first). */
export const cli = path.join(root, 'dist/cli/main.js');
/** The bundled content and style examples. */
export const speech = path.join(root, 'examples/speech.wav');
export const plucks = path.join(root, 'examples/plucks.wav');

/** Runs the CLI with `args` in the repository root, without stdin, `env` added to its environment; returns its exit code and output. */
export function run(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI with `args` and `stdin` piped in; stdout comes back as bytes. */
export function runPiped(args: string[], stdin: Uint8Array): { code: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, input: stdin, timeout: 60_000, maxBuffer: 2 ** 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/** A new empty temporary folder. */
export function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'restyle-test-'));
}

/** `s` with regular-expression metacharacters escaped. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
