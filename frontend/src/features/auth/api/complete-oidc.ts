import { z } from '@/lib/zod';
import { apiResponse } from '@/lib/api-client';
import { ResponseShapeError } from '@/lib/api-error';
import { ConnectedIdentitySchema, type ConnectedIdentity } from '@/lib/oidc';
import { shape } from '@/lib/shape';
import { startSession } from '@/lib/session';
import type { components } from '@/types/api';
import type { Equals, Expect, FitsRequest } from '@/types/assert-type';
import { type AuthResponse, AuthResponseSchema } from '@/types/user';
import { type MfaChallenge, MfaChallengeSchema } from '@/features/auth/api/login';

const PATH = '/auth/oidc/callback/';

/** What the provider sent the browser back with, to the callback page's address. */
export interface OidcCallbackInput {
  code: string;
  state: string;
}

/**
 * What the callback answers: signed in (200, or 201 with the account just created: `created`), the second step of
 * an account with a second factor (202, as after a password), the provider's account connected to the signed-in
 * one (200 `{identity}`: the flow was a connect), or the signed-in session re-authenticated (200
 * `{authenticated_at, reauthenticated_until}`, as POST /auth/reauthenticate/ answers: the flow was a reauthenticate).
 */
export type OidcOutcome =
  | { kind: 'signed-in'; created: boolean; auth: AuthResponse }
  | { kind: 'mfa'; challenge: MfaChallenge }
  | { kind: 'connected'; identity: ConnectedIdentity }
  | { kind: 'reauthenticated'; until: string };

const IdentityEnvelopeSchema = z.object({ identity: ConnectedIdentitySchema });
const ReauthenticatedSchema = z.object({ authenticated_at: z.string(), reauthenticated_until: z.string() });

// Compile-time only (no runtime code): tsc fails here when the body or the connect's answer drift from the API's.
export type MatchesApi = [
  Expect<FitsRequest<OidcCallbackInput, components['schemas']['CallbackInputRequest']>>,
  Expect<Equals<z.infer<typeof IdentityEnvelopeSchema>, components['schemas']['ConnectedOutput']>>,
  Expect<Equals<z.infer<typeof ReauthenticatedSchema>, components['schemas']['ReauthenticatedOutput']>>,
];

/** The body, each of its shapes checked as login's is; `created` from the status (201). */
function readOutcome(body: unknown, created: boolean): OidcOutcome {
  const result = shape<OidcOutcome>('OpenID Connect answer', (data) => {
    if ('identity' in data) {
      const parsed = IdentityEnvelopeSchema.safeParse(data);
      return parsed.success ? { kind: 'connected', identity: parsed.data.identity } : undefined;
    }
    if ('reauthenticated_until' in data) {
      const parsed = ReauthenticatedSchema.safeParse(data);
      return parsed.success ? { kind: 'reauthenticated', until: parsed.data.reauthenticated_until } : undefined;
    }
    if ('mfa_required' in data) {
      const parsed = MfaChallengeSchema.safeParse(data);
      return parsed.success ? { kind: 'mfa', challenge: parsed.data } : undefined;
    }
    const parsed = AuthResponseSchema.safeParse(data);
    return parsed.success ? { kind: 'signed-in', created, auth: parsed.data } : undefined;
  }).safeParse(body);
  if (!result.success) throw new ResponseShapeError(PATH, result.error);
  return result.data;
}

/**
 * POST /auth/oidc/callback/ `{code, state}`: the end of the provider's round trip (the flow's cookie says which one it
 * was). The signed-in account's token goes with a connect's and a re-authentication's (`signedIn`): the server
 * checks that the session that started it finishes it. Sent once per code (the callback page:
 * lib/use-single-use-link.ts). Refusals: 400 `oidc_failed`, `oidc_account_exists`, `oidc_email_unverified`,
 * `oidc_identity_taken`; 403 `reauthentication_required` (a re-authentication of an account with a second factor,
 * which must use it); 503 `oidc_provider_unavailable`; 429. A sign-in starts the session here, as login's does.
 */
export async function completeOidc(input: OidcCallbackInput, signedIn: boolean): Promise<OidcOutcome> {
  // No "Confirm it's you" here: a connect asked for it at its start, and a re-authentication is that confirmation.
  const response = await apiResponse(PATH, { method: 'POST', body: input, auth: signedIn, reauthenticate: false });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new ResponseShapeError(PATH, error);
  }
  const outcome = readOutcome(body, response.status === 201);
  if (outcome.kind === 'signed-in') startSession(outcome.auth.access, outcome.auth.user);
  return outcome;
}
