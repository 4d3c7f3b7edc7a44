/**
 * Light or dark: the system's preference (prefers-color-scheme, in the stylesheet) unless the user
 * chose one on this device. The choice is the `data-theme` attribute of <html>, applied before the
 * first render (main.tsx) so the page never flashes the other theme once the script runs.
 */
import { useSyncExternalStore } from 'react';
import { preferenceKey, readPreference, writePreference } from '@/lib/preferences';

export type ThemeChoice = 'system' | 'light' | 'dark';
export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];

const listeners = new Set<() => void>();

function isThemeChoice(value: unknown): value is ThemeChoice {
  return THEME_CHOICES.includes(value as ThemeChoice);
}

export function getThemeChoice(): ThemeChoice {
  const stored = readPreference('theme');
  return isThemeChoice(stored) ? stored : 'system';
}

/** Puts the choice on <html> (no attribute for "system": the stylesheet follows the system). */
export function applyTheme(choice: ThemeChoice = getThemeChoice()): void {
  if (choice === 'system') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', choice);
}

export function setThemeChoice(choice: ThemeChoice): void {
  writePreference('theme', choice === 'system' ? null : choice);
  applyTheme(choice);
  listeners.forEach((listener) => listener());
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another tab of this device changed it: follow.
  const onStorage = (event: StorageEvent) => {
    if (event.key !== null && event.key !== preferenceKey('theme')) return;
    applyTheme();
    listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

export function useThemeChoice(): ThemeChoice {
  return useSyncExternalStore(subscribe, getThemeChoice, () => 'system');
}
