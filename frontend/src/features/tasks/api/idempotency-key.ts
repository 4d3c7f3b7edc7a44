import { ApiError, NetworkError } from '@/lib/api-error';
import { retryWithin } from '@/lib/retry-policy';

/**
 * A fresh `Idempotency-Key` (128 random bits as hex). crypto.getRandomValues, unlike crypto.randomUUID, also
 * works outside a secure context (the app served over plain http on a LAN address).
 */
export function newIdempotencyKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

const keys = new WeakMap<object, string>();

/**
 * The key of one mutation. TanStack Query hands every retry of a mutation the same variables object, so every
 * retry sends the same key, and the server answers a bulk action it already made with its first response
 * instead of making it twice (docs/api.md, "Idempotency-Key"). A new mutate() call is a new key. (A create keeps
 * its key across the user's own retries too, while the form is unchanged: useCreateTask.)
 */
export function idempotencyKeyFor(variables: object): string {
  let key = keys.get(variables);
  if (key === undefined) {
    key = newIdempotencyKey();
    keys.set(variables, key);
  }
  return key;
}

/**
 * Retry policy of the keyed writes: a request that got no answer, or a 5xx (a 503 while the database restarts),
 * is sent again with its key, twice at most, after 1 s and 2 s; a 429 or 503 with a Retry-After of 10 s at most
 * after that wait, and one with a longer Retry-After not at all (lib/retry-policy.ts; the delays are the query
 * client's default for mutations). Other writes keep the default of no retry.
 */
export function retryKeyedWrite(failures: number, error: Error): boolean {
  return retryWithin(failures, error, error instanceof NetworkError || (error instanceof ApiError && error.status >= 500));
}
