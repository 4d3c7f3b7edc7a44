import { QueryClient } from '@tanstack/react-query';
import { ApiError } from '@/lib/api-error';
import { onForgetAccountData } from '@/lib/session';

/** Client errors (4xx) are answers, not glitches: retry only network and server failures, twice. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: true,
        retry: (failures, error) => !(error instanceof ApiError && error.status < 500) && failures < 2,
      },
      // A write runs now or fails now: never paused while offline and sent later, when the user may
      // have closed the dialog it came from (the default networkMode, 'online', would queue it).
      mutations: { retry: false, networkMode: 'always' },
    },
  });
}

export const queryClient = createQueryClient();

// Nothing cached for one account may be shown to another, or after signing out.
onForgetAccountData(() => queryClient.clear());
