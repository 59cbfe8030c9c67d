/**
 * The CLI's disk cache of nets' weights (a WeightsStore). A default run's net takes about a second to draw and
 * transform on 2 cores and 0.13 s to read back, so every run after the first with the same seed and sizes starts
 * sooner. One file per key, written in the background under a temporary name and renamed into place, so that a
 * reader never sees part of one, and checked against its key and length when read; the least recently used files go
 * past a size cap.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, rm, stat, statfs, utimes, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { UsageError } from '../errors.js';
import type { WeightsStore } from '../model/weights.js';
import { writeFileAtomic } from './files.js';

/**
 * The most the cache keeps: 2 GiB, two default nets and the held-out ones (790 MB a net at 22.05 kHz; 1.58 GB at 44.1
 * kHz).
 */
export const WEIGHTS_CACHE_MAX_BYTES = 2 * 2 ** 30;

/** Powers of 1024 for a size's unit letter. */
const SIZE_UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/**
 * The cache's cap from $RESTYLE_CACHE_SIZE: bytes, or a number with K, M, G or T (powers of 1024; "6G", "1.5GB",
 * "500MiB"); WEIGHTS_CACHE_MAX_BYTES where it is unset or empty. 0 keeps no cache at all (as --no-cache). A value
 * that is not a size is a UsageError naming it.
 */
export function weightsCacheMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.RESTYLE_CACHE_SIZE?.trim();
  if (!value) return WEIGHTS_CACHE_MAX_BYTES;
  const match = /^(\d+(?:\.\d*)?|\.\d+)\s*(?:([kmgt])(?:i?b)?|b)?$/i.exec(value);
  if (!match) throw new UsageError(`RESTYLE_CACHE_SIZE=${value}: not a size; give bytes or a number with K, M, G or T (such as 6G), or 0 for no cache`);
  return Math.floor(Number(match[1]) * SIZE_UNITS[(match[2] ?? '').toLowerCase()]);
}

/** Free space a save leaves on the cache's disk, at the least: the cache never fills a disk. */
export const WEIGHTS_CACHE_MIN_FREE_BYTES = 2 * 2 ** 30;

/** A temporary file older than this was left by a process that died while writing it, and is removed. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/** The first bytes of every cache file. */
const MAGIC = 'restyle weights 1\n';

/**
 * The cache's folder: $RESTYLE_CACHE_DIR, else restyle/weights in $XDG_CACHE_HOME or ~/.cache; null where there is no
 * home folder to put it in (no $HOME and no password entry), which a run goes on without.
 */
export function defaultWeightsCacheDir(env: NodeJS.ProcessEnv = process.env, home: () => string = os.homedir): string | null {
  if (env.RESTYLE_CACHE_DIR) return env.RESTYLE_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'restyle', 'weights');
  try {
    return path.join(home(), '.cache', 'restyle', 'weights');
  } catch {
    return null;
  }
}

/**
 * What computed the weights besides the code (which the key's fingerprint covers): another onnxruntime or CPU may
 * round the DFT differently, and the floats are stored in this machine's byte order.
 */
function machineIdentity(): string {
  return [`onnxruntime-node ${ort.env.versions.node ?? ort.env.versions.common}`, `${process.platform}-${process.arch}`, os.cpus()[0]?.model.trim() ?? 'unknown CPU', os.endianness()].join('; ');
}

/** A WeightsStore in a folder. Lifecycle: construct -> load / save (any number, from any number of processes). */
export class DiskWeightsStore implements WeightsStore {
  constructor(
    /** The folder (made on the first save). */
    readonly dir: string,
    /** The cap on the files' total size; the least recently used go first. */
    readonly maxBytes = WEIGHTS_CACHE_MAX_BYTES,
    /** Free space every save leaves on the disk. */
    readonly minFreeBytes = WEIGHTS_CACHE_MIN_FREE_BYTES,
    private readonly machine = machineIdentity(),
  ) {}

  /** Saves under way. */
  private readonly saving = new Set<Promise<void>>();

  /** The file that holds `key`'s weights. */
  fileFor(key: string): string {
    return path.join(this.dir, `${createHash('sha256').update(this.fullKey(key)).digest('hex').slice(0, 32)}.weights`);
  }

  async load(key: string, length: number): Promise<Float32Array | null> {
    const file = this.fileFor(key);
    let handle: FileHandle | undefined;
    try {
      handle = await open(file, 'r');
      const header = this.header(key, length);
      if ((await handle.stat()).size !== header.length + 4 * length) return null;
      const head = new Uint8Array(header.length);
      await readFully(handle, head, 0);
      if (!Buffer.from(head).equals(header)) return null;
      const data = new Float32Array(length);
      await readFully(handle, new Uint8Array(data.buffer), header.length);
      // Used now: the last to go when the cache is over its cap.
      const now = new Date();
      await utimes(file, now, now).catch(() => {});
      return data;
    } catch {
      return null;
    } finally {
      await handle?.close().catch(() => {});
    }
  }

  /**
   * Starts writing `data` under `key` and returns: the write (about 1.4 s for a default net's weights here, when they
   * were 571 MB) overlaps the run, which it slowed by 0.1-0.5 s on the bundled example and up to 1.2 s at 60 s
   * (docs/usage.md, "Weights cache"). flush() waits for it.
   */
  save(key: string, data: Float32Array): void {
    const saving = this.write(key, data);
    this.saving.add(saving);
    void saving.finally(() => this.saving.delete(saving));
  }

  /** Waits for the saves begun to end (each ends in success or, silently, without a file). */
  async flush(): Promise<void> {
    while (this.saving.size > 0) await Promise.all(this.saving);
  }

  /**
   * Writes a file for `key` as an output is written (writeFileAtomic: a temporary file renamed into place, removed on
   * a hard exit), but not flushed to the disk, and trims the cache; never throws.
   */
  private async write(key: string, data: Float32Array): Promise<void> {
    const header = this.header(key, data.length);
    const bytes = header.length + data.byteLength;
    const file = this.fileFor(key);
    try {
      // Past the cap this one is not kept; the others are still held to it, which a lowered cap may have made smaller.
      if (bytes > this.maxBytes) return await this.evict(null);
      await mkdir(this.dir, { recursive: true });
      const disk = await statfs(this.dir);
      if (disk.bavail * disk.bsize - bytes < this.minFreeBytes) return;
      await writeFileAtomic(file, [header, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)], { sync: false });
      await this.evict(file);
    } catch {
      // A cache that cannot be written (read-only home, full disk) only means that the next run computes them again.
    }
  }

  /** The key with this machine's identity: what a file's name is made from and its header holds. */
  private fullKey(key: string): string {
    return JSON.stringify({ key, machine: this.machine });
  }

  /** A file's first bytes: MAGIC, then its full key and float count on one line. */
  private header(key: string, length: number): Buffer {
    return Buffer.from(`${MAGIC}${JSON.stringify({ key: this.fullKey(key), length })}\n`, 'utf8');
  }

  /** Removes the least recently used files past maxBytes (never `keep`), and temporary files left by dead writers. */
  private async evict(keep: string | null): Promise<void> {
    const files: { file: string; size: number; used: number }[] = [];
    const now = Date.now();
    for (const name of await readdir(this.dir)) {
      const file = path.join(this.dir, name);
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) continue;
      if (name.endsWith('.tmp')) {
        if (now - info.mtimeMs > STALE_TEMP_MS) await rm(file, { force: true }).catch(() => {});
      } else if (name.endsWith('.weights')) {
        files.push({ file, size: info.size, used: file === keep ? Infinity : info.mtimeMs });
      }
    }
    files.sort((a, b) => b.used - a.used);
    let total = 0;
    for (const { file, size } of files) {
      total += size;
      if (total > this.maxBytes) await rm(file, { force: true }).catch(() => {});
    }
  }
}

/** Reads `into.length` bytes from `position` on, however many reads that takes; fails at the end of the file. */
async function readFully(handle: FileHandle, into: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < into.length; ) {
    const { bytesRead } = await handle.read(into, done, Math.min(into.length - done, 2 ** 30), position + done);
    if (bytesRead === 0) throw new Error('cache file ended early');
    done += bytesRead;
  }
}
