/**
 * When a failed request is sent again on its own (queries: lib/query-client.ts; keyed writes:
 * features/tasks/api/idempotency-key.ts), and after how long. A 429 or 503 that says how long to wait
 * (Retry-After) is taken at its word: a short wait is waited out before the retry, a longer one is not
 * retried at all, so the error (with its wait) is shown at once rather than after retries the server refuses.
 */
import { ApiError } from '@/lib/api-error';

/** The longest Retry-After (seconds) an automatic retry waits out. */
export const MAX_AUTOMATIC_RETRY_AFTER_S = 10;

/** At most two automatic retries. */
const MAX_RETRIES = 2;

/** Seconds a 429 or 503 asked to wait (Retry-After); null for any other failure, or when it did not say. */
function askedWait(error: unknown): number | null {
  return error instanceof ApiError && (error.status === 429 || error.status === 503) ? error.retryAfter : null;
}

/**
 * Whether to retry after `failures` failures (0 after the first), for a failure `retryable` says may pass:
 * never past two retries, never when the server asked for a longer wait than MAX_AUTOMATIC_RETRY_AFTER_S, and
 * always (within two) when it asked for a shorter one, a 429 included: the server said when to come back.
 */
export function retryWithin(failures: number, error: unknown, retryable: boolean): boolean {
  if (failures >= MAX_RETRIES) return false;
  const wait = askedWait(error);
  return wait === null ? retryable : wait <= MAX_AUTOMATIC_RETRY_AFTER_S;
}

/** The wait before the next retry: the Retry-After of a 429 or 503, else 1 s, then 2 s (TanStack Query's backoff). */
export function retryDelay(failures: number, error: unknown): number {
  const wait = askedWait(error);
  return wait === null ? Math.min(1000 * 2 ** failures, 30_000) : wait * 1000;
}
