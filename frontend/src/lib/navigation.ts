import { readTabValue, writeTabValue } from '@/lib/tab-storage';

/**
 * Where to go after signing in: only a path on this origin, as pathname + search + hash.
 * The browser's own URL parser decides (it folds `/\host`, tabs and newlines the way navigation
 * would), so `//host`, `https://host`, `javascript:` and their disguises fall back.
 */
export function safeNextPath(next: string | null | undefined, fallback = '/', origin = window.location.origin): string {
  if (!next || !next.startsWith('/')) return fallback;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return fallback;
  }
  if (url.origin !== origin) return fallback;
  if (url.pathname === '/login' || url.pathname.startsWith('/login/')) return fallback;
  // The URL parser resolves `/.//evil.com` (or `/%2e//evil.com`) to the path `//evil.com`, which navigating to
  // would read as another host: no path of this app starts with two slashes.
  if (url.pathname.startsWith('//')) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

export function loginPath(next?: string): string {
  return next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login';
}

/**
 * The session of `userId` expired in this tab: the `next` page its sign-in page keeps (with its query: filters,
 * search text) is that account's. Kept in this tab's storage, so a reload of the sign-in page keeps it too.
 */
export function rememberNextOwner(userId: string): void {
  writeTabValue('next-owner', userId);
}

/** The `next` page is nobody's in particular any more (a sign-in used it, or the user signed out). */
export function forgetNextOwner(): void {
  writeTabValue('next-owner', null);
}

/**
 * Where `userId`, just signed in, goes: `next` (through safeNextPath) unless it was kept for another account,
 * whose session expired in this tab (on a shared computer, the next person to sign in is not taken to the last
 * one's page and search); then `fallback`. A `next` no expiry left (a link opened while signed out) is anyone's.
 */
export function nextPathFor(userId: string, next: string | null | undefined, fallback = '/'): string {
  const owner = readTabValue('next-owner');
  return owner === null || owner === userId ? safeNextPath(next, fallback) : fallback;
}
