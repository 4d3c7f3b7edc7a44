import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import type { components } from '@/types/api';
import type { Equals, Expect } from '@/types/assert-type';
import { type User, UserEnvelopeSchema } from '@/types/user';

// Compile-time only (no runtime code): tsc fails here when the answer's shape changes.
export type MatchesApi = Expect<Equals<{ user: User }, components['schemas']['EmailChangedOutput']>>;

/**
 * POST /auth/email/change/confirm/: the link's token, once (it is single use); the account's new
 * address. 400 `link_expired`, `link_invalid` or `email_taken`. The server revokes the account's
 * other sessions; the one that asked for the change keeps working.
 */
export function confirmEmailChange(token: string): Promise<User> {
  return apiRequest('/auth/email/change/confirm/', { method: 'POST', body: { token }, auth: false, schema: UserEnvelopeSchema });
}

/**
 * confirmEmailChange, for the page the link opens (sent once: lib/use-single-use-link.ts). A change confirmed does
 * more than change the address: the server revokes the account's other sessions, ends the pending change and records
 * an event, so what this tab cached of them (a signed-in tab, or one signed in later from the cache) is read again.
 */
export function useConfirmEmailChange(): (token: string) => Promise<User> {
  const client = useQueryClient();
  return useCallback(
    async (token: string) => {
      const user = await confirmEmailChange(token);
      for (const queryKey of [queryKeys.pendingEmailChange, queryKeys.sessions, queryKeys.activity]) {
        void client.invalidateQueries({ queryKey });
      }
      return user;
    },
    [client],
  );
}
