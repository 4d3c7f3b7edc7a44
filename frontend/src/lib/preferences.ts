/**
 * UI preferences remembered per device, in localStorage: the only module that may touch it, and
 * only for the keys below (eslint refuses localStorage and sessionStorage everywhere else, so no
 * token or anything else about the session can end up there). Values are read defensively: storage
 * may be full, disabled, or hold something an older build wrote.
 */
const KEYS = {
  theme: 'sad:theme',
} as const;

export type PreferenceName = keyof typeof KEYS;

/** The storage key of a preference (a `storage` event from another tab names it). */
export function preferenceKey(name: PreferenceName): string {
  return KEYS[name];
}

export function readPreference(name: PreferenceName): string | null {
  try {
    return window.localStorage.getItem(KEYS[name]);
  } catch {
    return null;
  }
}

export function writePreference(name: PreferenceName, value: string | null): void {
  try {
    if (value === null) window.localStorage.removeItem(KEYS[name]);
    else window.localStorage.setItem(KEYS[name], value);
  } catch {
    // Storage refused (private mode, quota): the preference lasts until the page is closed.
  }
}
