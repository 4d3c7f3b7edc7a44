import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { TASKS_PAGE_SIZE } from '@/config/env';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { type TaskListParams, type TaskPage, TaskPageSchema } from '@/features/tasks/types';

export const taskListKey = (params: TaskListParams) => [...queryKeys.tasks, 'list', params] as const;

export function getTasks(params: TaskListParams, signal?: AbortSignal): Promise<TaskPage> {
  return apiRequest('/tasks/', {
    query: {
      search: params.search.trim(),
      status: params.status,
      priority: params.priority,
      overdue: params.overdue ? 'true' : undefined,
      ordering: params.ordering,
      page: params.page > 1 ? params.page : undefined,
      page_size: TASKS_PAGE_SIZE,
    },
    schema: TaskPageSchema,
    signal,
  });
}

export function tasksQueryOptions(params: TaskListParams) {
  return queryOptions({
    queryKey: taskListKey(params),
    queryFn: ({ signal }) => getTasks(params, signal),
    placeholderData: keepPreviousData, // no flash of "loading" between pages or filters
  });
}

export function useTasks(params: TaskListParams) {
  return useQuery(tasksQueryOptions(params));
}
