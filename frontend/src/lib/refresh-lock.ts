/**
 * Serialises token refreshes across the tabs of this origin.
 *
 * The server revokes the whole session when one refresh token is used twice, and every tab
 * shares the one httpOnly cookie. With the Web Locks API only one tab refreshes at a time; the
 * next one then refreshes with the cookie the first one rotated, which is valid. Browsers without
 * Web Locks (very old ones) fall back to refreshing unserialised across tabs; inside a tab the
 * API client's single flight still holds.
 */
import { timeoutSignal } from '@/lib/timeout';

const LOCK_NAME = 'sad-refresh';
/** Longer than one refresh may take (two attempts of REFRESH_TIMEOUT_MS), so only a stuck holder makes us give up. */
export const LOCK_WAIT_MS = 20_000;

/** Waiting too long for the lock rejects (a temporary failure, like a network error); `work` then never runs. */
export class RefreshLockTimeoutError extends Error {
  constructor() {
    super('Another tab is still renewing the session. Please try again.');
    this.name = 'RefreshLockTimeoutError';
  }
}

export async function withRefreshLock<T>(work: () => Promise<T>, waitMs = LOCK_WAIT_MS): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks?.request) return work();
  // The signal only bounds the wait for the lock; once granted, `work` bounds itself (fetch timeouts).
  const { signal, clear } = timeoutSignal(waitMs);
  try {
    return (await locks.request(LOCK_NAME, { mode: 'exclusive', signal }, async () => {
      clear();
      return work();
    })) as T;
  } catch (error) {
    if (signal.aborted && error === signal.reason) throw new RefreshLockTimeoutError();
    throw error;
  } finally {
    clear();
  }
}
