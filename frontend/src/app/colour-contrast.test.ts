/// <reference types="node" />
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Read from disk: the test run does not process CSS (vite.config.ts, css: false).
const styles = (name: string) => readFileSync(`${process.cwd()}/src/app/styles/${name}`, 'utf8');
const tokensCss = styles('tokens.css');
const dashboardCss = styles('dashboard.css');

/** The custom properties a rule sets, by name (`--surface` → `#1e293b`). */
function tokens(selector: string): Map<string, string> {
  const start = tokensCss.indexOf(`${selector} {`);
  expect(start, selector).toBeGreaterThan(-1);
  const body = tokensCss.slice(tokensCss.indexOf('{', start) + 1, tokensCss.indexOf('}', start));
  return new Map([...body.matchAll(/(--[\w-]+)\s*:\s*([^;]+);/g)].map((match) => [match[1]!, match[2]!.trim()]));
}

// The dark tokens of the system's preference are the user's choice's (theme.test.tsx checks it).
const light = tokens(':root');
const dark = new Map([...light, ...tokens(":root[data-theme='dark']")]);
const THEMES = { light, dark };

/** A colour as drawn in a theme: a hex value, or a var() of a token. */
function resolve(value: string, theme: Map<string, string>): string {
  const name = /^var\((--[\w-]+)\)$/.exec(value)?.[1];
  const colour = name ? theme.get(name) : value;
  expect(colour, value).toMatch(/^#[0-9a-f]{6}$/i);
  return colour!;
}

/** The `fill` a rule of dashboard.css gives `selector`, in a theme. */
function fill(selector: string, theme: Map<string, string>): string {
  const rule = new RegExp(`${selector.replace(/[.-]/g, '\\$&')}\\s*\\{\\s*fill:\\s*([^;]+);`).exec(dashboardCss);
  expect(rule, selector).not.toBeNull();
  return resolve(rule![1]!.trim(), theme);
}

/** WCAG 2 relative luminance and contrast ratio. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((at) => {
    const channel = parseInt(hex.slice(at, at + 2), 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high! + 0.05) / (low! + 0.05);
}

const CHARTS = { status: ['todo', 'in_progress', 'done'], priority: ['high', 'medium', 'low'] };

describe.each(Object.entries(THEMES))('the %s theme’s non-text contrast (WCAG 1.4.11: 3:1)', (_, theme) => {
  it('sets every chart bar off from its track, and the daily bars (no track) from the card', () => {
    const track = fill('.chart__track', theme);
    for (const key of Object.values(CHARTS).flat()) {
      expect(contrast(fill(`.chart__bar--${key}`, theme), track), key).toBeGreaterThanOrEqual(3);
    }
    expect(contrast(fill('.chart__bar--done', theme), resolve('var(--surface)', theme))).toBeGreaterThanOrEqual(3);
  });

  it('keeps the bars of one chart apart: no two share a colour', () => {
    for (const keys of Object.values(CHARTS)) {
      expect(new Set(keys.map((key) => fill(`.chart__bar--${key}`, theme))).size).toBe(keys.length);
    }
  });

  it('sets the done toggle’s fill off from the card, with its check mark legible on it', () => {
    const fillColour = resolve('var(--success-fill)', theme);
    expect(contrast(fillColour, resolve('var(--surface)', theme))).toBeGreaterThanOrEqual(3);
    expect(contrast(resolve('var(--on-primary)', theme), fillColour)).toBeGreaterThanOrEqual(4.5);
  });
});
