import { describe, expect, it, vi } from 'vitest';
import { ApiError, NetworkError } from '@/lib/api-error';
import { browserTimeZone, inZone } from '@/lib/browser-time-zone';
import { inTimeZone } from '@/testing/time-zone';

describe('browserTimeZone', () => {
  inTimeZone('America/Sao_Paulo');

  it('is the IANA name the browser resolves', () => {
    expect(browserTimeZone()).toBe('America/Sao_Paulo');
  });

  it.each([
    ['empty', () => ''],
    ['missing', () => undefined],
    ['not a string', () => 42],
  ])('is undefined when the browser’s is %s', (_, zone) => {
    const resolvedOptions = Intl.DateTimeFormat.prototype.resolvedOptions;
    vi.spyOn(Intl.DateTimeFormat.prototype, 'resolvedOptions').mockImplementation(function (this: Intl.DateTimeFormat) {
      return { ...resolvedOptions.call(this), timeZone: zone() as string };
    });
    expect(browserTimeZone()).toBeUndefined();
  });

  it('is undefined when the browser cannot say (no Intl time zone support)', () => {
    vi.spyOn(Intl.DateTimeFormat.prototype, 'resolvedOptions').mockImplementation(() => {
      throw new RangeError('no time zone data');
    });
    expect(browserTimeZone()).toBeUndefined();
  });
});

describe('inZone', () => {
  const unknownZone = (zone: string) => new ApiError(400, { tz: [`Unknown time zone '${zone}': use an IANA name such as Europe/Paris.`] });

  it('sends the zone; with none, none', async () => {
    const request = vi.fn((tz: string | undefined) => Promise.resolve(tz));
    expect(await inZone('Europe/Paris', request)).toBe('Europe/Paris');
    expect(await inZone(undefined, request)).toBeUndefined();
    expect(request.mock.calls).toEqual([['Europe/Paris'], [undefined]]);
  });

  it('a zone the server does not know: asks once more without it, and does not send it again (other zones still are)', async () => {
    const request = vi.fn((tz: string | undefined) => (tz === 'Europe/Kyiv' ? Promise.reject(unknownZone(tz)) : Promise.resolve(tz ?? 'UTC')));

    expect(await inZone('Europe/Kyiv', request)).toBe('UTC');
    expect(await inZone('Europe/Kyiv', request)).toBe('UTC');
    expect(await inZone('Europe/Paris', request)).toBe('Europe/Paris');
    expect(request.mock.calls).toEqual([['Europe/Kyiv'], [undefined], [undefined], ['Europe/Paris']]);
  });

  it.each([
    ['another field’s 400', new ApiError(400, { search: ['Too long.'] })],
    ['a 500', new ApiError(500, { detail: 'Server error.' })],
    ['a network error', new NetworkError(null)],
  ])('any other failure is the answer, not asked again: %s', async (_, error) => {
    const request = vi.fn(() => Promise.reject(error));
    await expect(inZone('Europe/Paris', request)).rejects.toBe(error);
    expect(request).toHaveBeenCalledTimes(1);
  });

  it('a request sent without a zone is not asked again on a tz 400 either', async () => {
    const error = unknownZone('');
    const request = vi.fn(() => Promise.reject(error));
    await expect(inZone(undefined, request)).rejects.toBe(error);
    expect(request).toHaveBeenCalledTimes(1);
  });
});
