import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export type BulkAction = 'complete' | 'delete';
const BulkResultSchema = z.object({ updated: z.number().int() });

/** One transaction on the server, only the caller's tasks; at most 100 ids. */
export function bulkTasks(ids: string[], action: BulkAction): Promise<{ updated: number }> {
  return apiRequest('/tasks/bulk/', { method: 'POST', body: { ids, action }, schema: BulkResultSchema });
}

export function useBulkTasks() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ ids, action }: { ids: string[]; action: BulkAction }) => bulkTasks(ids, action),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.tasks }),
  });
}
