import { describe, expect, it } from 'vitest';
import { formatWait, serverTodayIso } from '@/lib/format';
import { inTimeZone } from '@/testing/time-zone';

describe('formatWait', () => {
  it.each([
    [0, '1 second'],
    [1, '1 second'],
    [30, '30 seconds'],
    [60, '1 minute'],
    [61, '2 minutes'],
    [900, '15 minutes'],
    [3600, '1 hour'],
    [5400, '2 hours'],
  ])('%i s → %s', (seconds, words) => {
    expect(formatWait(seconds)).toBe(words);
  });
});

describe('serverTodayIso', () => {
  // A browser in New York: a day behind UTC (the server's zone) from 19:00 or 20:00 local time on.
  inTimeZone('America/New_York');

  it.each([
    ['2026-11-06T01:00:00Z', '2026-11-06'], // Nov 5, 20:00 in New York
    ['2026-11-05T23:59:59Z', '2026-11-05'],
    ['2026-07-01T03:59:00Z', '2026-07-01'], // Jun 30, 23:59 in New York (summer time)
  ])('%s → %s, whatever the browser’s zone', (now, today) => {
    expect(serverTodayIso(new Date(now))).toBe(today);
  });
});
