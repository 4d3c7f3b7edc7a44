/// <reference types="node" />
import { readFileSync } from 'node:fs';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { ThemeSelect } from '@/components/theme-select';
import { applyTheme, getThemeChoice } from '@/lib/theme';

/** What this origin keeps in localStorage (the test looks; the app only goes through preferences.ts). */
// eslint-disable-next-line no-restricted-syntax -- the test inspects the storage itself
const storage = (): Storage => window.localStorage;

afterEach(() => {
  storage().clear();
  document.documentElement.removeAttribute('data-theme');
});

describe('theme', () => {
  it('follows the system until the user chooses, and remembers the choice on this device', async () => {
    render(<ThemeSelect />);
    const user = userEvent.setup();
    const select = screen.getByLabelText('Theme');
    expect(select).toHaveValue('system');
    expect(document.documentElement).not.toHaveAttribute('data-theme');

    await user.selectOptions(select, 'dark');
    expect(document.documentElement).toHaveAttribute('data-theme', 'dark');
    expect(storage().getItem('sad:theme')).toBe('dark');

    await user.selectOptions(select, 'system');
    expect(document.documentElement).not.toHaveAttribute('data-theme');
    expect(storage().getItem('sad:theme')).toBeNull();
  });

  it('applies the remembered choice at start-up, and ignores what it does not know', () => {
    storage().setItem('sad:theme', 'light');
    applyTheme();
    expect(document.documentElement).toHaveAttribute('data-theme', 'light');

    storage().setItem('sad:theme', 'sepia');
    expect(getThemeChoice()).toBe('system');
    applyTheme();
    expect(document.documentElement).not.toHaveAttribute('data-theme');
  });

  it('stores nothing but the theme', async () => {
    render(<ThemeSelect />);
    await userEvent.setup().selectOptions(screen.getByLabelText('Theme'), 'light');
    expect(Object.keys(storage())).toEqual(['sad:theme']);
  });

  it('has the same dark tokens for the system preference and for the user’s choice', () => {
    // Read from disk: the test run does not process CSS (vite.config.ts, css: false).
    const css = readFileSync(`${process.cwd()}/src/app/styles/tokens.css`, 'utf8');
    const block = (selector: string) => {
      const start = css.indexOf(`${selector} {`);
      expect(start).toBeGreaterThan(-1);
      const body = css.slice(css.indexOf('{', start) + 1, css.indexOf('}', start));
      return body.split(';').map((line) => line.trim()).filter(Boolean);
    };
    const system = block(":root:not([data-theme='light'])");
    const chosen = block(":root[data-theme='dark']");
    expect(system.length).toBeGreaterThan(20);
    expect(chosen).toEqual(system);
  });
});
