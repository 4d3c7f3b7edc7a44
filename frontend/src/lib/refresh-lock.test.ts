import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOCK_WAIT_MS, RefreshLockTimeoutError, withRefreshLock } from '@/lib/refresh-lock';

/** A Web Locks stand-in whose lock another tab holds for ever: only the signal ends the wait. */
function lockHeldElsewhere() {
  const request = vi.fn((_name: string, options: LockOptions, _work: unknown) =>
    new Promise((_resolve, reject) => options.signal?.addEventListener('abort', () => reject(options.signal?.reason))),
  );
  vi.stubGlobal('navigator', { ...navigator, locks: { request } });
  return request;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

/** Settled or not, without waiting for it. */
function peek<T>(promise: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([promise, Promise.resolve('pending' as const)]);
}

describe('withRefreshLock', () => {
  it('gives up waiting for a lock that is never released after LOCK_WAIT_MS, without running the work', async () => {
    vi.useFakeTimers();
    const request = lockHeldElsewhere();
    const work = vi.fn(async () => 'refreshed');

    const outcome = withRefreshLock(work).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(LOCK_WAIT_MS - 1);
    expect(await peek(outcome)).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);

    expect(await peek(outcome)).toBeInstanceOf(RefreshLockTimeoutError);
    expect(work).not.toHaveBeenCalled();
    expect(request).toHaveBeenCalledWith('sad-refresh', expect.objectContaining({ mode: 'exclusive' }), expect.any(Function));
  });

  it('runs the work under the lock when it is granted', async () => {
    const request = vi.fn((_name: string, _options: LockOptions, work: () => Promise<string>) => work());
    vi.stubGlobal('navigator', { ...navigator, locks: { request } });

    await expect(withRefreshLock(async () => 'refreshed')).resolves.toBe('refreshed');
  });
});
