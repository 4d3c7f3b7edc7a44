import { afterEach, describe, expect, it, vi } from 'vitest';
import { RefreshLockTimeoutError, withRefreshLock } from '@/lib/refresh-lock';

/** A Web Locks stand-in whose lock another tab holds for ever: only the signal ends the wait. */
function lockHeldElsewhere() {
  const request = vi.fn((_name: string, options: LockOptions, _work: unknown) =>
    new Promise((_resolve, reject) => options.signal?.addEventListener('abort', () => reject(options.signal?.reason))),
  );
  vi.stubGlobal('navigator', { ...navigator, locks: { request } });
  return request;
}

afterEach(() => vi.unstubAllGlobals());

describe('withRefreshLock', () => {
  it('gives up waiting for a lock that is never released, without running the work', async () => {
    const request = lockHeldElsewhere();
    const work = vi.fn(async () => 'refreshed');

    await expect(withRefreshLock(work, 30)).rejects.toBeInstanceOf(RefreshLockTimeoutError);

    expect(work).not.toHaveBeenCalled();
    expect(request).toHaveBeenCalledWith('sad-refresh', expect.objectContaining({ mode: 'exclusive' }), work);
  });

  it('runs the work under the lock when it is granted', async () => {
    const request = vi.fn((_name: string, _options: LockOptions, work: () => Promise<string>) => work());
    vi.stubGlobal('navigator', { ...navigator, locks: { request } });

    await expect(withRefreshLock(async () => 'refreshed', 30)).resolves.toBe('refreshed');
  });
});
