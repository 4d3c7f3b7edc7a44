import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export const AuthSessionSchema = z.object({
  id: z.string(),
  created_at: z.string(),
  last_used_at: z.string(),
  user_agent: z.string(),
  ip_address: z.string().nullable(),
  current: z.boolean(),
});
export type AuthSession = z.infer<typeof AuthSessionSchema>;

export function getSessions(signal?: AbortSignal): Promise<AuthSession[]> {
  return apiRequest('/auth/sessions/', { schema: z.array(AuthSessionSchema), signal });
}

export function sessionsQueryOptions() {
  return queryOptions({ queryKey: queryKeys.sessions, queryFn: ({ signal }) => getSessions(signal) });
}

export function useSessions() {
  return useQuery(sessionsQueryOptions());
}
