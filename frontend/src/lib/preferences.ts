/**
 * UI preferences remembered per device, in localStorage: the only module that may touch it, and
 * only for the keys below (eslint refuses localStorage and sessionStorage everywhere else, so no
 * token or anything else about the session can end up there). Values are read defensively: storage
 * may be full, disabled, or hold something an older build wrote.
 */
import { useSyncExternalStore } from 'react';

const KEYS = {
  /** 'light' | 'dark'; absent: follow the system. */
  theme: 'sad:theme',
  /** 'off' turns the single-key shortcuts off (WCAG 2.1.4); absent: on. */
  shortcuts: 'sad:shortcuts',
} as const;

export type PreferenceName = keyof typeof KEYS;

const listeners = new Set<() => void>();

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
  listeners.forEach((listener) => listener());
}

/** Called when a preference changes, here or in another tab of this device. */
export function onPreferenceChange(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (event: StorageEvent) => {
    if (event.key === null || Object.values<string>(KEYS).includes(event.key)) listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

/** A preference's current value, re-rendering when it changes. */
export function usePreference(name: PreferenceName): string | null {
  return useSyncExternalStore(onPreferenceChange, () => readPreference(name), () => null);
}
