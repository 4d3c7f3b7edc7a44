/**
 * The query string a page was last shown with in this tab (the task filters), so the main
 * navigation brings the user back to the list as they left it. Memory only: not stored, and
 * forgotten with everything else about the account (sign-out, another account).
 */
import { useSyncExternalStore } from 'react';
import { onForgetAccountData } from '@/lib/session';

const remembered = new Map<string, string>();
const listeners = new Set<() => void>();

function changed(): void {
  listeners.forEach((listener) => listener());
}

export function rememberSearch(pathname: string, search: string): void {
  if (remembered.get(pathname) === search) return;
  remembered.set(pathname, search);
  changed();
}

onForgetAccountData(() => {
  remembered.clear();
  changed();
});

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The remembered query string of `pathname` ('' when none), e.g. "?status=done&page=2". */
export function useRememberedSearch(pathname: string): string {
  return useSyncExternalStore(subscribe, () => remembered.get(pathname) ?? '', () => '');
}
