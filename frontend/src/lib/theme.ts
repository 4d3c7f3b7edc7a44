/**
 * Light or dark: the system's preference (prefers-color-scheme, in the stylesheet) unless the user
 * chose one on this device. The choice is the `data-theme` attribute of <html>, applied before the
 * first render (main.tsx) so the page never flashes the other theme once the script runs.
 */
import { onPreferenceChange, readPreference, usePreference, writePreference } from '@/lib/preferences';

export type ThemeChoice = 'system' | 'light' | 'dark';
export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];

function asThemeChoice(value: unknown): ThemeChoice {
  return value === 'light' || value === 'dark' ? value : 'system';
}

export function getThemeChoice(): ThemeChoice {
  return asThemeChoice(readPreference('theme'));
}

/** Puts the choice on <html> (no attribute for "system": the stylesheet follows the system). */
export function applyTheme(choice: ThemeChoice = getThemeChoice()): void {
  if (choice === 'system') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', choice);
}

/** Applies the choice now and whenever it changes (another tab of this device included). */
export function followTheme(): () => void {
  applyTheme();
  return onPreferenceChange(() => applyTheme());
}

export function setThemeChoice(choice: ThemeChoice): void {
  writePreference('theme', choice === 'system' ? null : choice);
  applyTheme(choice);
}

export function useThemeChoice(): ThemeChoice {
  return asThemeChoice(usePreference('theme'));
}
