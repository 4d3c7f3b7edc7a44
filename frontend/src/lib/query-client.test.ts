import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '@/lib/api-error';
import { createQueryClient } from '@/lib/query-client';

/** A 429 or 503 answer, saying how long to wait when `retryAfter` is given. */
function refusal(status: 429 | 503, retryAfter?: string): ApiError {
  const headers = new Headers(retryAfter === undefined ? {} : { 'Retry-After': retryAfter });
  return new ApiError(status, { detail: 'Busy.', code: status === 429 ? 'throttled' : 'service_unavailable' }, headers);
}

/** A query whose first `failing` attempts throw `error`, then answer 'ok'; counts its attempts. */
function flakyQuery(error: ApiError, failing = 1) {
  const client = createQueryClient();
  let calls = 0;
  const result = client
    .fetchQuery({
      queryKey: ['flaky'],
      queryFn: async () => {
        calls += 1;
        if (calls <= failing) throw error;
        return 'ok';
      },
    })
    .then(
      (data) => ({ data, error: null }),
      (failure: unknown) => ({ data: null, error: failure }),
    );
  return { result, calls: () => calls };
}

describe('automatic retries of queries', () => {
  afterEach(() => vi.useRealTimers());

  it.each([429, 503] as const)('waits out a short Retry-After of a %i before trying again', async (status) => {
    vi.useFakeTimers();
    const query = flakyQuery(refusal(status, '8'));

    // By now the default backoff (1 s, then 2 s) would have tried twice more.
    await vi.advanceTimersByTimeAsync(7_999);
    expect(query.calls()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(query.calls()).toBe(2);
    expect(await query.result).toEqual({ data: 'ok', error: null });
  });

  it('does not retry when the server asks for a longer wait: the error, with its wait, is the answer', async () => {
    vi.useFakeTimers();
    const busy = refusal(503, '120');
    const query = flakyQuery(busy, 3);

    await vi.advanceTimersByTimeAsync(60_000);
    expect(query.calls()).toBe(1);
    const { error } = await query.result;
    expect(error).toBe(busy);
    expect((error as ApiError).retryAfter).toBe(120);
  });

  it('keeps the 1 s and 2 s backoff for a 503 that does not say, and does not retry a 429 that does not', async () => {
    vi.useFakeTimers();
    const busy = flakyQuery(refusal(503), 2);
    await vi.advanceTimersByTimeAsync(999);
    expect(busy.calls()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(busy.calls()).toBe(2);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(busy.calls()).toBe(3);
    expect(await busy.result).toEqual({ data: 'ok', error: null });

    const throttled = flakyQuery(refusal(429));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(throttled.calls()).toBe(1);
    expect((await throttled.result).error).toBeInstanceOf(ApiError);
  });
});
