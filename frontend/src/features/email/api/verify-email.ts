import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import type { components } from '@/types/api';
import type { Equals, Expect, FitsRequest } from '@/types/assert-type';

export const EmailVerifiedSchema = z.object({ email: z.string(), email_verified: z.boolean() });
export type EmailVerified = z.infer<typeof EmailVerifiedSchema>;

// Compile-time only (no runtime code): tsc fails here when these types and the OpenAPI schema drift apart.
export type MatchesApi = [
  Expect<Equals<EmailVerified, components['schemas']['EmailVerifiedOutput']>>,
  Expect<FitsRequest<{ token: string }, components['schemas']['EmailLinkInputRequest']>>,
];

/**
 * POST /auth/email/verify/: the link's token, once (it is single use). 400 `link_expired` or
 * `link_invalid` when it cannot be used.
 */
export function verifyEmail(token: string): Promise<EmailVerified> {
  return apiRequest('/auth/email/verify/', { method: 'POST', body: { token }, auth: false, schema: EmailVerifiedSchema });
}
