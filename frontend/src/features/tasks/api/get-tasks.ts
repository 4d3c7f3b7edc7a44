import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { TASKS_PAGE_SIZE } from '@/config/env';
import { apiRequest } from '@/lib/api-client';
import { browserTimeZone, inZone } from '@/lib/browser-time-zone';
import { queryKeys } from '@/lib/query-keys';
import { type TaskListParams, type TaskPage, TaskPageSchema } from '@/features/tasks/types';

/** The list's key names the time zone too: what is overdue depends on it. */
export const taskListKey = (params: TaskListParams, zone: string | undefined) => [...queryKeys.tasks, 'list', params, zone ?? null] as const;

/**
 * A page of the list, as the URL's filters say, with "today" (the `overdue` filter) counted in `zone`, the
 * browser's. Every page is built from the page number here: the answer's next/previous links are not followed.
 */
export function getTasks(params: TaskListParams, zone: string | undefined, signal?: AbortSignal): Promise<TaskPage> {
  return inZone(zone, (tz) =>
    apiRequest('/tasks/', {
      query: {
        search: params.search.trim(),
        status: params.status,
        priority: params.priority,
        overdue: params.overdue ? 'true' : undefined,
        ordering: params.ordering,
        page: params.page > 1 ? params.page : undefined,
        page_size: TASKS_PAGE_SIZE,
        tz,
      },
      schema: TaskPageSchema,
      signal,
    }),
  );
}

export function tasksQueryOptions(params: TaskListParams, zone = browserTimeZone()) {
  return queryOptions({
    queryKey: taskListKey(params, zone),
    queryFn: ({ signal }) => getTasks(params, zone, signal),
    placeholderData: keepPreviousData, // no flash of "loading" between pages or filters
  });
}

export function useTasks(params: TaskListParams) {
  return useQuery(tasksQueryOptions(params));
}
