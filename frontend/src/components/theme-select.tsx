import { useId } from 'react';
import { setThemeChoice, THEME_CHOICES, type ThemeChoice, useThemeChoice } from '@/lib/theme';

const LABELS: Record<ThemeChoice, string> = { system: 'System', light: 'Light', dark: 'Dark' };

/** Light, dark or the system's: remembered on this device. */
export function ThemeSelect() {
  const choice = useThemeChoice();
  const id = useId();
  return (
    <div className="theme-select">
      <label htmlFor={id} className="theme-select__label">
        Theme
      </label>
      <select id={id} className="input input--small" value={choice} onChange={(event) => setThemeChoice(event.target.value as ThemeChoice)}>
        {THEME_CHOICES.map((value) => (
          <option key={value} value={value}>
            {LABELS[value]}
          </option>
        ))}
      </select>
    </div>
  );
}
