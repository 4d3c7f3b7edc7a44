import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequestWithEtag } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { TaskSchema } from '@/features/tasks/types';

export const taskDetailKey = (id: string) => [...queryKeys.tasks, 'detail', id] as const;

/** One task with its ETag: the edit dialog sends it back as If-Match, so it never overwrites a newer version. */
export function getTask(id: string, signal?: AbortSignal) {
  return apiRequestWithEtag(`/tasks/${encodeURIComponent(id)}/`, { schema: TaskSchema, signal });
}

export function taskQueryOptions(id: string) {
  return queryOptions({ queryKey: taskDetailKey(id), queryFn: ({ signal }) => getTask(id, signal), staleTime: 0 });
}

export function useTask(id: string | undefined) {
  return useQuery({ ...taskQueryOptions(id ?? ''), enabled: id !== undefined });
}
