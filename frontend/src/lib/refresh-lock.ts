/**
 * Serialises token refreshes across the tabs of this origin.
 *
 * The server revokes the whole session when one refresh token is used twice, and every tab
 * shares the one httpOnly cookie. With the Web Locks API only one tab refreshes at a time; the
 * next one then refreshes with the cookie the first one rotated, which is valid. Browsers without
 * Web Locks (very old ones) fall back to refreshing unserialised across tabs; inside a tab the
 * API client's single flight still holds.
 */
const LOCK_NAME = 'sad-refresh';

export async function withRefreshLock<T>(work: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks?.request) return work();
  return locks.request(LOCK_NAME, { mode: 'exclusive' }, work) as Promise<T>;
}
