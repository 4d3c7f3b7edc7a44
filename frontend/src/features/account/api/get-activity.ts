import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import type { components } from '@/types/api';
import type { Equals, Expect } from '@/types/assert-type';
import { paginatedSchema } from '@/types/pagination';

export const ActivityEventSchema = z.object({
  id: z.string(),
  event: z.string(),
  description: z.string(),
  occurred_at: z.string(),
  ip_address: z.string().nullable(),
  user_agent: z.string(),
  session_id: z.string().nullable(),
  current_session: z.boolean(),
});
export type ActivityEvent = z.infer<typeof ActivityEventSchema>;
/** The events the API documents; the list describes each (activity-panel.tsx) and shows any other by its description. */
export type KnownEvent = components['schemas']['EventEnum'];

// Compile-time only (no runtime code): tsc fails here when this schema and the OpenAPI schema drift apart.
export type MatchesApi = Expect<Equals<Omit<ActivityEvent, 'event'>, Omit<components['schemas']['ActivityOutput'], 'event'>>>;

export const ActivityPageSchema = paginatedSchema(ActivityEventSchema);
export type ActivityPage = z.infer<typeof ActivityPageSchema>;

export const ACTIVITY_PAGE_SIZE = 10;

/** The account's security events, newest first. */
export function getActivity(page: number, signal?: AbortSignal): Promise<ActivityPage> {
  return apiRequest('/auth/activity/', { query: { page, page_size: ACTIVITY_PAGE_SIZE }, schema: ActivityPageSchema, signal });
}

export function activityQueryOptions(page: number) {
  return queryOptions({
    queryKey: [...queryKeys.activity, { page }] as const,
    queryFn: ({ signal }) => getActivity(page, signal),
    // The page shown stays while the next one loads, so the list does not jump.
    placeholderData: keepPreviousData,
  });
}

export function useActivity(page: number) {
  return useQuery(activityQueryOptions(page));
}
