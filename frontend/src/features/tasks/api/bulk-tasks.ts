import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { idempotencyKeyFor, newIdempotencyKey, retryKeyedWrite } from '@/features/tasks/api/idempotency-key';
import type { components } from '@/types/api';
import type { Equals, Expect } from '@/types/assert-type';

/** The bulk actions this SPA offers, out of the API's (set_status and set_priority are not used). */
export type BulkAction = Extract<components['schemas']['TaskBulkInputRequest']['action'], 'complete' | 'delete'>;
const BulkResultSchema = z.object({ updated: z.number().int() });
type BulkResult = z.infer<typeof BulkResultSchema>;

// Compile-time only (no runtime code): tsc fails here when this schema and the OpenAPI schema drift apart.
export type MatchesApi = Expect<Equals<BulkResult, components['schemas']['TaskBulkOutput']>>;

/**
 * One transaction on the server, only the caller's tasks; at most 100 ids. Sent again with the same
 * `idempotencyKey`, it is answered the first result (how many it deleted) and not applied twice.
 */
export function bulkTasks(ids: string[], action: BulkAction, idempotencyKey: string = newIdempotencyKey()): Promise<BulkResult> {
  const body = { ids, action } satisfies components['schemas']['TaskBulkInputRequest'];
  return apiRequest('/tasks/bulk/', {
    method: 'POST',
    body,
    schema: BulkResultSchema,
    headers: { 'Idempotency-Key': idempotencyKey },
  });
}

export function useBulkTasks() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (variables: { ids: string[]; action: BulkAction }) =>
      bulkTasks(variables.ids, variables.action, idempotencyKeyFor(variables)),
    retry: retryKeyedWrite,
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.tasks }),
  });
}
