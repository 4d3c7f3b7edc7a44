import { apiRequest } from '@/lib/api-client';
import type { components } from '@/types/api';
import type { Equals, Expect } from '@/types/assert-type';
import { type User, UserEnvelopeSchema } from '@/types/user';

// Compile-time only (no runtime code): tsc fails here when the answer's shape changes.
export type MatchesApi = Expect<Equals<{ user: User }, components['schemas']['EmailChangedOutput']>>;

/**
 * POST /auth/email/change/confirm/: the link's token, once (it is single use); the account's new
 * address. 400 `link_expired`, `link_invalid` or `email_taken`. The server revokes the account's
 * other sessions; the one that asked for the change keeps working.
 */
export function confirmEmailChange(token: string): Promise<User> {
  return apiRequest('/auth/email/change/confirm/', { method: 'POST', body: { token }, auth: false, schema: UserEnvelopeSchema });
}
