/** The access JWT, in memory only: never in localStorage, sessionStorage or a cookie. */
let accessToken: string | null = null;

export function getAccessToken(): string | null {
  return accessToken;
}

export function setAccessToken(token: string | null): void {
  accessToken = token;
}

/**
 * The account an access token was issued to: the `user_id` claim of its JWT payload, read without
 * verifying anything (the server does that). Null when the token is not a JWT or has no such claim.
 */
export function tokenUserId(token: string | null): string | null {
  const payload = token?.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims: unknown = JSON.parse(json);
    const id = claims && typeof claims === 'object' ? (claims as Record<string, unknown>).user_id : undefined;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}
