import { afterAll, beforeAll } from 'vitest';

/**
 * Runs the calling file's tests with the browser in `zone` (Node applies a TZ set at run time), then puts the
 * zone back as it was: unset stays unset (assigning undefined would set the string "undefined").
 */
export function inTimeZone(zone: string): void {
  const before = process.env.TZ;
  beforeAll(() => {
    process.env.TZ = zone;
  });
  afterAll(() => {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  });
}
