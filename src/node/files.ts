import { promises as fs, rmSync } from 'node:fs';
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

/** Temporary files being written right now, removed by removePendingTempFiles when the process must exit at once. */
const pendingTempFiles = new Set<string>();

/** Synchronously deletes any temporary file of an unfinished atomic write (for a hard exit, e.g. a second Ctrl-C). */
export function removePendingTempFiles(): void {
  for (const f of pendingTempFiles) rmSync(f, { force: true });
  pendingTempFiles.clear();
}

/**
 * Checks, before any long work, that `file` can be created: its directory exists and a file can really be made there
 * (a probe file, created and removed: access() says yes to root on read-only mounts).
 */
export async function checkWritable(file: string, overwrite: boolean): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  let stat;
  try {
    stat = await fs.stat(dir);
  } catch {
    throw new InputError(file, `directory ${dir} does not exist`);
  }
  if (!stat.isDirectory()) throw new InputError(file, `${dir} is not a directory`);
  const probe = path.join(dir, `.restyle-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await (await fs.open(probe, 'wx')).close();
  } catch (err) {
    throw new InputError(file, `directory ${dir} is not writable (${describeFsError(err, 'cannot create a file')})`);
  } finally {
    await fs.rm(probe, { force: true });
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
  pendingTempFiles.add(temp);
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
  } finally {
    pendingTempFiles.delete(temp);
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
    case 'EROFS':
      return 'read-only file system';
    default:
      return `${action}: ${err instanceof Error ? err.message : String(err)}`;
  }
}
