import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { formatDate, localIsoDate, parseIsoDate } from '@/lib/format';
import { inTimeZone } from '@/testing/time-zone';

describe('localIsoDate', () => {
  // A browser in New York: a day behind UTC from 19:00 or 20:00 local time on.
  inTimeZone('America/New_York');

  it.each([
    ['2026-11-06T01:00:00Z', '2026-11-05'], // Nov 5, 20:00 in New York; Nov 6 in UTC
    ['2026-11-06T04:59:59Z', '2026-11-05'], // Nov 5, 23:59:59 in New York
    ['2026-11-06T05:00:00Z', '2026-11-06'], // Nov 6, 00:00 in New York
    ['2026-07-01T03:59:00Z', '2026-06-30'], // Jun 30, 23:59 in New York (summer time)
  ])('%s → %s, the date where the browser is, not UTC’s', (now, today) => {
    expect(localIsoDate(new Date(now))).toBe(today);
  });

  it('is today’s by default', () => {
    vi.useFakeTimers({ now: new Date('2026-11-06T01:00:00Z') });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    expect(localIsoDate()).toBe('2026-11-05');
  });

  it('writes the year with four digits', () => {
    const date = new Date(2000, 0, 1);
    date.setFullYear(42, 2, 9);
    expect(localIsoDate(date)).toBe('0042-03-09');
  });
});

describe('ISO dates of the first centuries', () => {
  /** The date as the formatter writes it in UTC, built without the Date constructor's 0-99 → 1900-1999 rule. */
  function expected(year: number, month: number, day: number): string {
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    return new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(date);
  }

  it.each([
    ['0001-01-01', 1, 1, 1],
    ['0099-12-31', 99, 12, 31],
    ['0100-01-01', 100, 1, 1],
    ['1999-12-31', 1999, 12, 31],
  ])('%s is that day, not one of 19xx', (iso, year, month, day) => {
    const date = parseIsoDate(iso);
    expect([date.getFullYear(), date.getMonth() + 1, date.getDate()]).toEqual([year, month, day]);
    expect([date.getHours(), date.getMinutes(), date.getSeconds(), date.getMilliseconds()]).toEqual([0, 0, 0, 0]);
    expect(localIsoDate(date)).toBe(iso);
    expect(formatDate(iso)).toBe(expected(year, month, day));
    if (year < 1900) expect(formatDate(iso)).not.toMatch(/19\d\d/);
  });
});
