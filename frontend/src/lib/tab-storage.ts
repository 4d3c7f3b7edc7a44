/**
 * This tab's own storage (sessionStorage: kept across a reload, gone with the tab), for the keys below only.
 * It is the only module that touches it: nothing of a session goes here (the access token lives in memory only,
 * lib/access-token.ts). What it holds: the token of an emailed link while its page is open, so the token leaves
 * the address bar and the browser's history, then what the server answered about it (lib/emailed-link.ts), which account a `next` page after an
 * expired session belongs to (lib/navigation.ts), the address a password reset was asked for from this tab, and
 * the OpenID Connect flow it started, and the task dialogs a session ended in the middle of (features/tasks/task-drafts.ts).
 * Values are read defensively: storage may be full or disabled.
 */
const KEYS = {
  'link:reset-password': 'sad:link:reset-password',
  'link:verify-email': 'sad:link:verify-email',
  'link:confirm-email-change': 'sad:link:confirm-email-change',
  /** The id of the account whose session expired in this tab: only it is taken back to its `next` page. */
  'next-owner': 'sad:next-owner',
  /**
   * The address a reset link was asked for from this tab: the reset page, opened in this tab, names it to password
   * managers (a hidden username field), so the new password is filed under the account. The link has no address.
   */
  'reset-email': 'sad:reset-email',
  /** The OpenID Connect flow this tab started (lib/oidc.ts): its callback page arrives in a new page load. */
  'oidc-flow': 'sad:oidc-flow',
  /**
   * Task dialogs not saved yet, and whose account typed them (features/tasks/task-drafts.ts): a session that ends
   * mid-form takes the user to the sign-in page, and signed in again they are offered back, to that account only.
   */
  'task-drafts': 'sad:task-drafts',
} as const;

export type TabStorageKey = keyof typeof KEYS;

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export function readTabValue(key: TabStorageKey): string | null {
  try {
    return storage()?.getItem(KEYS[key]) ?? null;
  } catch {
    return null;
  }
}

/** null removes the value. */
export function writeTabValue(key: TabStorageKey, value: string | null): void {
  try {
    if (value === null) storage()?.removeItem(KEYS[key]);
    else storage()?.setItem(KEYS[key], value);
  } catch {
    // Storage refused (private mode, quota): the value lasts as long as the page's own state.
  }
}

/** Test hook: everything this tab's storage holds, as [key, value] pairs. */
export function tabStorageEntriesForTests(): [string, string][] {
  const store = storage();
  if (!store) return [];
  return Array.from({ length: store.length }, (_, index) => store.key(index) ?? '').map((key) => [key, store.getItem(key) ?? '']);
}

/** Test hook: empty this tab's storage. */
export function resetTabStorageForTests(): void {
  storage()?.clear();
}
