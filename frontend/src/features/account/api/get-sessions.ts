import { queryOptions, useQuery } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { AalSchema } from '@/lib/mfa-status';
import { queryKeys } from '@/lib/query-keys';
import type { components } from '@/types/api';
import type { Equals, Expect } from '@/types/assert-type';

export const AuthSessionSchema = z.object({
  id: z.string(),
  created_at: z.string(),
  last_used_at: z.string(),
  user_agent: z.string(),
  ip_address: z.string().nullable(),
  current: z.boolean(),
  /** How it was signed in (pwd, otp, recovery_code, passkey) and its level: 1, one factor; 2, two or a passkey (docs/mfa.md). */
  amr: z.array(z.string()),
  aal: AalSchema,
});
export type AuthSession = z.infer<typeof AuthSessionSchema>;

// Compile-time only (no runtime code): tsc fails here when this schema and the OpenAPI schema drift apart.
export type MatchesApi = Expect<Equals<AuthSession, components['schemas']['SessionOutput']>>;

export function getSessions(signal?: AbortSignal): Promise<AuthSession[]> {
  return apiRequest('/auth/sessions/', { schema: z.array(AuthSessionSchema), signal });
}

export function sessionsQueryOptions() {
  return queryOptions({ queryKey: queryKeys.sessions, queryFn: ({ signal }) => getSessions(signal) });
}

export function useSessions() {
  return useQuery(sessionsQueryOptions());
}
