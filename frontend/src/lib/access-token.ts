/** The access JWT, in memory only: never in localStorage, sessionStorage or a cookie. */
let accessToken: string | null = null;

export function getAccessToken(): string | null {
  return accessToken;
}

export function setAccessToken(token: string | null): void {
  accessToken = token;
}

/** The claims of a JWT's payload, read without verifying anything (the server does that); null when not a JWT. */
function tokenClaims(token: string | null): Record<string, unknown> | null {
  const payload = token?.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims: unknown = JSON.parse(json);
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The account an access token was issued to: its `user_id` claim. Null when the token is not a JWT or has no such claim. */
export function tokenUserId(token: string | null): string | null {
  const id = tokenClaims(token)?.user_id;
  return typeof id === 'string' ? id : null;
}

/**
 * When an access token stops being accepted, in milliseconds since the epoch (its `exp` claim, by the server's
 * clock). Null when the token is not a JWT or does not say.
 */
export function tokenExpiresAt(token: string | null): number | null {
  const exp = tokenClaims(token)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
}
