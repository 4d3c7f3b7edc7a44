import { QueryClient } from '@tanstack/react-query';
import { ApiError } from '@/lib/api-error';
import { retryDelay, retryWithin } from '@/lib/retry-policy';
import { onForgetAccountData } from '@/lib/session';

/**
 * Client errors (4xx) are answers, not glitches: retry only network and server failures, twice, after 1 s and 2 s,
 * or after the Retry-After of a 429 or 503 when it is short (lib/retry-policy.ts: a long one is not retried).
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: true,
        retry: (failures, error) => retryWithin(failures, error, !(error instanceof ApiError && error.status < 500)),
        retryDelay,
      },
      // A write runs now or fails now: never paused while offline and sent later, when the user may
      // have closed the dialog it came from (the default networkMode, 'online', would queue it).
      // Only keyed writes retry (features/tasks/api/idempotency-key.ts), with the queries' delays.
      mutations: { retry: false, retryDelay, networkMode: 'always' },
    },
  });
}

export const queryClient = createQueryClient();

// Nothing cached for one account may be shown to another, or after signing out.
onForgetAccountData(() => queryClient.clear());
