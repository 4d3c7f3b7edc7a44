import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { browserTimeZone, inZone } from '@/lib/browser-time-zone';
import { queryKeys } from '@/lib/query-keys';
import type { components } from '@/types/api';
import type { Equals, Expect } from '@/types/assert-type';

export const TaskStatsSchema = z.object({
  total: z.number().int(),
  by_status: z.object({ todo: z.number().int(), in_progress: z.number().int(), done: z.number().int() }),
  by_priority: z.object({ low: z.number().int(), medium: z.number().int(), high: z.number().int() }),
  overdue: z.number().int(),
  /** The last 14 days including today, oldest first. */
  completed_per_day: z.array(z.object({ date: z.string(), count: z.number().int() })),
});
export type TaskStats = z.infer<typeof TaskStatsSchema>;

// Compile-time only (no runtime code): tsc fails here when this schema and the OpenAPI schema drift apart.
export type MatchesApi = Expect<Equals<TaskStats, components['schemas']['TaskStats']>>;

/** The stats with their days (overdue, completed_per_day) counted in `zone`, the browser's. */
export function getTaskStats(zone: string | undefined, signal?: AbortSignal): Promise<TaskStats> {
  return inZone(zone, (tz) => apiRequest('/tasks/stats/', { query: { tz }, schema: TaskStatsSchema, signal }));
}

export function taskStatsQueryOptions(zone = browserTimeZone()) {
  return queryOptions({ queryKey: [...queryKeys.taskStats, zone ?? null], queryFn: ({ signal }) => getTaskStats(zone, signal) });
}

export function useTaskStats() {
  return useQuery(taskStatsQueryOptions());
}
