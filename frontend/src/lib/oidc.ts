/**
 * Sign-in with an OpenID Connect provider (Google, Microsoft, …), the parts shared by two features and "Confirm it's
 * you": which providers the server has configured (the sign-in pages offer them, the account page connects them),
 * the account's connected ones and whether it has a password, and the start of the flow, which leaves the SPA for
 * the provider's page. The provider sends the browser back to /login/oidc/callback.
 * Loaded with the pages that use it, never at boot (zod, TanStack Query).
 */
import { queryOptions, useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { apiRequest } from '@/lib/api-client';
import { ApiError, errorMessage, formatWait, tryAgainAfter } from '@/lib/api-error';
import { queryKeys } from '@/lib/query-keys';
import { readTabValue, writeTabValue } from '@/lib/tab-storage';
import { z } from '@/lib/zod';
import type { components } from '@/types/api';
import type { Equals, Expect, FitsRequest } from '@/types/assert-type';

export const OidcProviderSchema = z.object({
  /** The path segment of its endpoints (`/auth/oidc/{id}/start/`). */
  id: z.string().min(1),
  /** What people call it: "Google". */
  name: z.string().min(1),
});
export type OidcProvider = z.infer<typeof OidcProviderSchema>;

/** The account's link to an account at a provider: GET /auth/oidc/identities/ lists them, a connect answers one. */
export const ConnectedIdentitySchema = z.object({
  id: z.string(),
  /** The provider's id, as in the providers list. */
  provider: z.string(),
  provider_name: z.string(),
  /** The address the provider gave at the last sign-in with it (may be empty). */
  email: z.string().optional(),
  created_at: z.string(),
  /** When it last signed in; null (or absent): never. */
  last_used_at: z.string().nullable().optional(),
});
export type ConnectedIdentity = z.infer<typeof ConnectedIdentitySchema>;

const OidcProvidersSchema = z.object({ providers: z.array(OidcProviderSchema) });

export const IdentitiesSchema = z.object({
  /**
   * False for an account created through a provider that has not set a password since: its password form sets one,
   * its email change and deletion ask for no current password, and "Confirm it's you" cannot ask for one.
   */
  has_password: z.boolean(),
  identities: z.array(ConnectedIdentitySchema),
});
export type Identities = z.infer<typeof IdentitiesSchema>;

const StartedSchema = z.object({ authorization_url: z.url({ protocol: /^https?$/ }) });

/**
 * `connect` and `reauthenticate` are for the signed-in account (its token, at the start and at the callback);
 * `reauthenticate` has the provider sign its user in again, which counts as a recent authentication.
 */
export type OidcIntent = 'sign_in' | 'connect' | 'reauthenticate';

// Compile-time only (no runtime code): tsc fails here when these schemas and the OpenAPI schema drift apart.
type Schemas = components['schemas'];
export type MatchesApi = [
  Expect<Equals<OidcProvider, Schemas['ProviderOutput']>>,
  Expect<Equals<z.infer<typeof OidcProvidersSchema>, Schemas['ProvidersOutput']>>,
  Expect<Equals<ConnectedIdentity, Schemas['IdentityOutput']>>,
  Expect<Equals<Identities, Schemas['IdentitiesOutput']>>,
  Expect<Equals<z.infer<typeof StartedSchema>, Schemas['StartOutput']>>,
  Expect<FitsRequest<{ intent: OidcIntent }, Schemas['StartInputRequest']>>,
];

/** GET /auth/oidc/providers/ (public): the configured providers, none when the server has none. */
export function getOidcProviders(signal?: AbortSignal): Promise<OidcProvider[]> {
  return apiRequest('/auth/oidc/providers/', { auth: false, schema: OidcProvidersSchema, signal }).then(({ providers }) => providers);
}

export function oidcProvidersQueryOptions() {
  return queryOptions({
    queryKey: queryKeys.oidcProviders,
    queryFn: ({ signal }) => getOidcProviders(signal),
    // The server's configuration: it changes with a deployment, not while a page is open.
    staleTime: 5 * 60_000,
  });
}

/**
 * GET /auth/oidc/identities/ (signed in): the provider accounts connected to this one, and whether it has a password.
 * The account page shows them; "Confirm it's you" reads whether there is a password to ask for.
 */
export function identitiesQueryOptions() {
  return queryOptions({
    queryKey: queryKeys.oidcIdentities,
    queryFn: ({ signal }) => apiRequest('/auth/oidc/identities/', { schema: IdentitiesSchema, signal }),
  });
}

/**
 * The configured providers; an empty list while they load or when they could not be read: the pages that offer
 * them work without (their other ways in), so a failure shows nothing rather than an error.
 */
export function useOidcProviders(): OidcProvider[] {
  return useQuery(oidcProvidersQueryOptions()).data ?? [];
}

/**
 * What the callback page needs to know of the flow this tab started, the provider's round trip being a full page
 * load: who it was (for its sentences) and the page to go to afterwards: for a sign-in, the sign-in page's `next`;
 * for a re-authentication, the page "Confirm it's you" was shown on.
 */
export interface OidcFlow {
  intent: OidcIntent;
  provider: string;
  next?: string;
}

/**
 * POST /auth/oidc/{provider}/start/: 200 `{authorization_url}` and a cookie binding the flow to this browser; the
 * browser then goes to the provider. `connect` and `reauthenticate` are for the signed-in account (its token);
 * `connect` needs a recent authentication (403 `reauthentication_required` asks the user to confirm it's them, as
 * every sensitive change does) and a confirmed address (403 `email_not_verified`). 429 when rate limited, 503
 * `oidc_provider_unavailable`. Resolves once the browser is on its way (the page is about to unload).
 */
export async function startOidc(provider: OidcProvider, intent: OidcIntent, next?: string): Promise<void> {
  const { authorization_url } = await apiRequest(`/auth/oidc/${encodeURIComponent(provider.id)}/start/`, {
    method: 'POST',
    body: { intent },
    auth: intent !== 'sign_in',
    // Starting one is no sensitive action: a refusal here is the answer, never another "Confirm it's you".
    reauthenticate: intent !== 'reauthenticate',
    schema: StartedSchema,
  });
  // A sign-in to "/" needs no `next` (it is where a sign-in goes); a re-authentication comes back to any page.
  const kept = next && (intent === 'reauthenticate' || next !== '/');
  const flow: OidcFlow = kept ? { intent, provider: provider.name, next } : { intent, provider: provider.name };
  writeTabValue('oidc-flow', JSON.stringify(flow));
  window.location.assign(authorization_url);
}

/**
 * The provider is down or does not answer (503 `oidc_provider_unavailable`), at the start or at the callback: how
 * long to wait when the server said (Retry-After).
 */
export function providerUnavailable(name: string | undefined, error?: ApiError): string {
  const wait = error?.retryAfter;
  return `${name ?? 'The sign-in provider'} cannot be reached right now. Try again ${wait ? `in ${formatWait(wait)}` : 'in a few minutes'}.`;
}

/** Too many attempts (429), saying how long to wait when the server did. */
export function tooManyAttempts(error: ApiError): string {
  return `Too many attempts. ${tryAgainAfter(error)}.`;
}

/** Why a start failed, in words: the provider down (503), too many attempts (429), else what the error says. */
export function oidcStartProblem(error: unknown, provider: OidcProvider | undefined): string {
  if (error instanceof ApiError && error.code === 'oidc_provider_unavailable') return providerUnavailable(provider?.name, error);
  if (error instanceof ApiError && error.status === 429) return tooManyAttempts(error);
  return errorMessage(error);
}

/** The flow this tab started, as startOidc kept it; null when none (or something unreadable) is kept. */
export function readOidcFlow(): OidcFlow | null {
  let stored: unknown = null;
  try {
    stored = JSON.parse(readTabValue('oidc-flow') ?? 'null');
  } catch {
    return null;
  }
  if (stored === null || typeof stored !== 'object') return null;
  const { intent, provider, next } = stored as Record<string, unknown>;
  if ((intent !== 'sign_in' && intent !== 'connect' && intent !== 'reauthenticate') || typeof provider !== 'string') return null;
  return typeof next === 'string' ? { intent, provider, next } : { intent, provider };
}

/** The flow is over (answered): a reload of the callback page, or the next flow, does not find it. */
export function forgetOidcFlow(): void {
  writeTabValue('oidc-flow', null);
}

/**
 * `reset` when the user comes back from the provider's page with the browser's Back button: the page is then
 * restored from the back/forward cache as it was left, its buttons still "Going to …" and unavailable.
 */
export function useResetOnReturn(reset: () => void): void {
  useEffect(() => {
    const restored = (event: PageTransitionEvent) => {
      if (event.persisted) reset();
    };
    window.addEventListener('pageshow', restored);
    return () => window.removeEventListener('pageshow', restored);
  }, [reset]);
}
