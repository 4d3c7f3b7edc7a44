/**
 * An AbortSignal that aborts after `ms` with a TimeoutError, like AbortSignal.timeout, but on the
 * page's own timers: a test drives it with fake timers (AbortSignal.timeout runs on the engine's
 * clock, which they cannot move). `clear` stops the timer once the work is done.
 */
export function timeoutSignal(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** Runs `work` with a signal that aborts after `ms`; the timer stops when the work settles. */
export async function withTimeout<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { signal, clear } = timeoutSignal(ms);
  try {
    return await work(signal);
  } finally {
    clear();
  }
}
