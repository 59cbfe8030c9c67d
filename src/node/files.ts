import { createReadStream, promises as fs, rmSync } from 'node:fs';
import type { Readable } from 'node:stream';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError } from '../errors.js';

/** The file name that stands for standard input or output, as in sox and ffmpeg. */
export const STDIO = '-';

/** The most an input may hold: what Node reads from a file at once (2 GiB), also for pipes, which have no size. */
const MAX_INPUT_BYTES = 2 ** 31 - 1;

/** How an input or output is named in messages: its path, or "stdin" / "stdout" for '-'. */
export function displayName(file: string, stream: 'stdin' | 'stdout'): string {
  return file === STDIO ? stream : file;
}

/**
 * Reads an input, turning the usual failures into one-line InputErrors that name the path: a file, a pipe or device
 * (process substitution such as <(sox ...), /dev/stdin), or standard input for '-'.
 */
export async function readInputFile(file: string): Promise<Uint8Array> {
  if (file === STDIO) {
    if (process.stdin.isTTY) throw new InputError('stdin', 'is a terminal: pipe the audio in (e.g. sox in.mp3 -t wav - | restyle - style.wav -o out.wav)');
    return readStream(process.stdin, 'stdin');
  }
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (err) {
    throw new InputError(file, describeFsError(err, 'cannot open'));
  }
  if (stat.isDirectory()) throw new InputError(file, 'is a directory, not an audio file');
  try {
    // A pipe or device has no size to read up to: read it as a stream, with a cap (/dev/zero would never end).
    return stat.isFile() ? new Uint8Array(await fs.readFile(file)) : await readStream(createReadStream(file), file);
  } catch (err) {
    throw err instanceof InputError ? err : new InputError(file, describeFsError(err, 'cannot read'));
  }
}

/** All the bytes of a stream, or an InputError naming `name` past MAX_INPUT_BYTES. */
async function readStream(stream: Readable, name: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Uint8Array>) {
      length += chunk.length;
      if (length > MAX_INPUT_BYTES) throw new InputError(name, 'more than 2 GiB of input: too long for one run');
      chunks.push(chunk);
    }
  } catch (err) {
    // Leaving the for-await loop (the throw above) has already destroyed the stream.
    throw err instanceof InputError ? err : new InputError(name, describeFsError(err, 'cannot read'));
  }
  return new Uint8Array(Buffer.concat(chunks, length));
}

/**
 * Writes a finished output: to `file` atomically (writeFileAtomic), or to standard output for '-', in one piece once
 * the run is over, so that a failed run sends nothing. A reader that went away is a one-line InputError.
 */
export async function writeOutput(file: string, bytes: Uint8Array): Promise<void> {
  if (file !== STDIO) return writeFileAtomic(file, bytes);
  await new Promise<void>((resolve, reject) => {
    // A failed write reports to the callback and then emits 'error' too, which would end the process with a stack
    // trace if no listener were left: this one stays.
    const fail = (err: NodeJS.ErrnoException): void =>
      reject(new InputError('stdout', err.code === 'EPIPE' ? 'closed by the reader before the output was written' : describeFsError(err, 'cannot write')));
    process.stdout.on('error', fail);
    process.stdout.write(bytes, (err) => (err ? fail(err) : resolve()));
  });
}

/** Temporary files being written right now, removed by removePendingTempFiles when the process must exit at once. */
const pendingTempFiles = new Set<string>();

/** Synchronously deletes any temporary file of an unfinished atomic write (for a hard exit, e.g. a second Ctrl-C). */
export function removePendingTempFiles(): void {
  for (const f of pendingTempFiles) rmSync(f, { force: true });
  pendingTempFiles.clear();
}

/**
 * Checks, before any long work, that `file` can be created ('-', standard output, always can): its directory exists and a file can really be made there
 * (a probe file, created and removed: access() says yes to root on read-only mounts).
 */
export async function checkWritable(file: string, overwrite: boolean): Promise<void> {
  if (file === STDIO) return; // the CLI checks that standard output is not a terminal
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
 * Writes `bytes` (one array, or several one after another) to `file` atomically: a temporary file in the same
 * directory, flushed to the disk (unless `sync: false`, for a cache that can afford to lose a file), then renamed over
 * the target, so a crash or Ctrl-C never leaves a half-written output and the old file survives until the new one is
 * complete.
 */
export async function writeFileAtomic(file: string, bytes: Uint8Array | readonly Uint8Array[], options: { sync?: boolean } = {}): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  pendingTempFiles.add(temp);
  try {
    const handle = await fs.open(temp, 'wx');
    try {
      for (const part of bytes instanceof Uint8Array ? [bytes] : bytes) await handle.writeFile(part);
      if (options.sync !== false) await handle.sync();
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
