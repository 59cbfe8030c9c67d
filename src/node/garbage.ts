import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collector: (() => void) | null | undefined;

/**
 * Runs a full garbage collection of this thread's heap, or does nothing where V8 gives no way to. Node exposes V8's
 * `gc` only under a start-up flag; the flag set at run time exposes it to a new context, the way Jest's leak detector
 * takes it, and is unset again so that nothing else sees a global `gc`.
 */
export function collectGarbage(): void {
  if (collector === undefined) {
    const exposed = (globalThis as { gc?: unknown }).gc;
    if (typeof exposed === 'function') collector = exposed as () => void;
    else {
      try {
        setFlagsFromString('--expose-gc');
        const gc = runInNewContext('gc') as unknown;
        collector = typeof gc === 'function' ? (gc as () => void) : null;
      } catch {
        collector = null;
      } finally {
        setFlagsFromString('--no-expose-gc');
      }
    }
  }
  collector?.();
}
