/**
 * The shared front of the benches that watch one transfer's progress (time-split.ts, peak-trace.ts): CONTENT STYLE
 * [SETTINGS_JSON] from the command line (CONTENT `none` for a texture, with "duration" in the settings), and the run.
 */
import { audioFile } from './clips.js';
import { transfer, type ProgressEvent, type TransferResult } from '../src/node/index.js';

/** The command line's content and style, as its usage names them. */
export const [content, style] = process.argv.slice(2);

/** Runs the transfer the command line asks for, with `onProgress` on every progress event; exits 2 with `usage` if it asks for none. */
export async function transferFromArgs(usage: string, onProgress: (event: ProgressEvent) => void): Promise<TransferResult> {
  const extra = process.argv[4];
  if (!content || !style) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  return transfer({ content: content === 'none' ? undefined : audioFile(content), style: audioFile(style), ...(extra ? JSON.parse(extra) : {}) }, { onProgress });
}
