import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import type { components } from '@/types/api';
import type { Equals, Expect } from '@/types/assert-type';

export const PendingEmailChangeSchema = z.object({
  pending: z
    .object({
      new_email: z.string(),
      requested_at: z.string(),
      /** When the emailed link stops working. */
      expires_at: z.string(),
    })
    .nullable(),
});
export type PendingEmailChange = z.infer<typeof PendingEmailChangeSchema>;

// Compile-time only (no runtime code): tsc fails here when this schema and the OpenAPI schema drift apart.
export type MatchesApi = Expect<Equals<PendingEmailChange, components['schemas']['EmailChangePendingOutput']>>;

/** The latest change asked, while its link would still work; `pending` is null otherwise. */
export function getPendingEmailChange(signal?: AbortSignal): Promise<PendingEmailChange> {
  return apiRequest('/auth/email/change/pending/', { schema: PendingEmailChangeSchema, signal });
}

export function pendingEmailChangeQueryOptions() {
  return queryOptions({ queryKey: queryKeys.pendingEmailChange, queryFn: ({ signal }) => getPendingEmailChange(signal) });
}

export function usePendingEmailChange() {
  return useQuery(pendingEmailChangeQueryOptions());
}

/** 204 whether or not a change was pending: its link stops working at once. */
export function cancelEmailChange(): Promise<undefined> {
  return apiRequest('/auth/email/change/pending/', { method: 'DELETE' });
}

export function useCancelEmailChange() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: cancelEmailChange,
    onSettled: () => {
      // Recorded (email_change_cancelled): the activity is read again too, not awaited.
      void client.invalidateQueries({ queryKey: queryKeys.activity });
      return client.invalidateQueries({ queryKey: queryKeys.pendingEmailChange });
    },
  });
}
