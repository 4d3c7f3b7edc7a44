import { describe, expect, it } from 'vitest';
import { formatWait } from '@/lib/format';

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
