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
