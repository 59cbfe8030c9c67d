import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError } from '../errors.js';

/** Reads an input file, turning the usual failures into one-line InputErrors that name the path. */
export async function readInputFile(file: string): Promise<Uint8Array> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (err) {
    throw new InputError(file, describeFsError(err, 'cannot open'));
  }
  if (stat.isDirectory()) throw new InputError(file, 'is a directory, not an audio file');
  if (!stat.isFile()) throw new InputError(file, 'is not a regular file');
  try {
    return new Uint8Array(await fs.readFile(file));
  } catch (err) {
    throw new InputError(file, describeFsError(err, 'cannot read'));
  }
}

/** Checks, before any long work, that `file` can be created: its directory exists and is writable. */
export async function checkWritable(file: string, overwrite: boolean): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  let stat;
  try {
    stat = await fs.stat(dir);
  } catch {
    throw new InputError(file, `directory ${dir} does not exist`);
  }
  if (!stat.isDirectory()) throw new InputError(file, `${dir} is not a directory`);
  try {
    await fs.access(dir, fsConstants.W_OK);
  } catch {
    throw new InputError(file, `directory ${dir} is not writable`);
  }
  const existing = await fs.stat(file).catch(() => null);
  if (existing?.isDirectory()) throw new InputError(file, 'is a directory');
  if (existing && !overwrite) throw new InputError(file, 'already exists (use -y to overwrite)');
}

/**
 * Writes `bytes` to `file` atomically: a temporary file in the same directory, flushed, then renamed over the target,
 * so a crash or Ctrl-C never leaves a half-written output and the old file survives until the new one is complete.
 */
export async function writeFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(temp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw new InputError(file, describeFsError(err, 'cannot write'));
  }
}

function describeFsError(err: unknown, action: string): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOSPC':
      return 'no space left on device';
    default:
      return `${action}: ${err instanceof Error ? err.message : String(err)}`;
  }
}
