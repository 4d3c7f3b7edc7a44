import { afterAll, beforeAll, vi } from 'vitest';

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

/** Makes `Intl` report `zone` as the browser's time zone (empty or missing, as some browsers do) for this test. */
export function browserReportsZone(zone: string | undefined): void {
  const resolvedOptions = Intl.DateTimeFormat.prototype.resolvedOptions;
  vi.spyOn(Intl.DateTimeFormat.prototype, 'resolvedOptions').mockImplementation(function (this: Intl.DateTimeFormat) {
    return { ...resolvedOptions.call(this), timeZone: zone as string };
  });
}
