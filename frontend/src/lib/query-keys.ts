/**
 * Query-key roots shared across features, so one feature can invalidate another's data
 * (a task change makes the dashboard stats stale) without importing it.
 */
export const queryKeys = {
  tasks: ['tasks'] as const,
  taskStats: ['tasks', 'stats'] as const,
  sessions: ['auth', 'sessions'] as const,
  /** The security activity (audit events): new ones follow most account changes. */
  activity: ['auth', 'activity'] as const,
  /** The account's second factors and this session's authentication (GET /auth/mfa/). */
  mfa: ['auth', 'mfa'] as const,
  /** The email change waiting for its link: asking, a password change or a sign-out can end or replace it. */
  pendingEmailChange: ['auth', 'email-change'] as const,
  /** The OpenID Connect providers the server offers (public), and the account's connected ones. */
  oidcProviders: ['oidc', 'providers'] as const,
  oidcIdentities: ['auth', 'oidc', 'identities'] as const,
};
