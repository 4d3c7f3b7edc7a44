/**
 * The one API client: JSON in and out, the bearer token, a single-flight refresh on 401 with
 * one retry, and typed errors (ApiError with field errors, NetworkError, ResponseShapeError).
 */
import { API_BASE_URL } from '@/config/env';
import { getAccessToken, setAccessToken, tokenExpiresAt, tokenUserId } from '@/lib/access-token';
import { ApiError, type ErrorCode, NetworkError, OFFLINE_MESSAGE, ResponseShapeError } from '@/lib/api-error';
import { isOffline } from '@/lib/online';
import { withRefreshLock } from '@/lib/refresh-lock';
import { isString, type ResponseSchema, shape } from '@/lib/shape';
import { withTimeout } from '@/lib/timeout';
import type { components } from '@/types/api';
import type { Equals, Expect } from '@/types/assert-type';

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions<T> {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  query?: Record<string, QueryValue>;
  /** Validates the response body (a zod schema, or a lib/shape check); without it the body is returned as is (e.g. 204 → undefined). */
  schema?: ResponseSchema<T>;
  /** Send the access token and refresh on 401 (default). Public endpoints pass false. */
  auth?: boolean;
  signal?: AbortSignal;
  /** Extra request headers, e.g. If-Match. */
  headers?: Record<string, string>;
  /**
   * On 403 `reauthentication_required`, ask the user to confirm it's them (the registered handler) and send the
   * request once more. Default: for authenticated requests. The re-authentication requests themselves pass false.
   */
  reauthenticate?: boolean;
}

/**
 * A refresh's answer: the new access token, and the signed-in user as the server sent it (unchecked here: the
 * session store checks it, and asks /auth/me/ if it is missing or malformed).
 */
export interface Refreshed {
  access: string;
  user: unknown;
}

const RefreshedSchema = shape('refresh answer', ({ access, user }): Refreshed | undefined => (isString(access) && access.length > 0 ? { access, user } : undefined));

// Compile-time only (no runtime code): tsc fails here when this type and POST /auth/refresh/'s answer drift apart.
export type MatchesApi = Expect<Equals<Pick<Refreshed, 'access'>, Pick<components['schemas']['AuthOutput'], 'access'>>>;

let refreshInFlight: Promise<Refreshed | null> | null = null;
/** The last refresh the server refused (400/401/403): its code says why the session ended (lib/session.ts). */
let refused: ApiError | undefined;
export const refreshRefusal = () => refused;

/**
 * Asks the user to re-authenticate (lib/reauthentication.ts registers it while the signed-in layout is shown):
 * resolves once they did, rejects when they cancelled. With none registered, the 403 is the answer.
 */
type ReauthenticationHandler = (refusal: ApiError) => Promise<void>;
let reauthenticationHandler: ReauthenticationHandler | null = null;

export const REAUTHENTICATION_REQUIRED = 'reauthentication_required' satisfies ErrorCode;
/** The code of a 401 whose session the server ended (revoked, signed out, expired); its detail says why. */
const SESSION_REVOKED = 'session_revoked' satisfies ErrorCode;

export function setReauthenticationHandler(handler: ReauthenticationHandler | null): () => void {
  reauthenticationHandler = handler;
  return () => {
    if (reauthenticationHandler === handler) reauthenticationHandler = null;
  };
}

/**
 * True while the page is being hidden for good (the tab closes, or navigates away), or is hidden (after which a
 * mobile browser may discard it without a pagehide): requests sent then, e.g. deletes still waiting out their
 * undo window, are sent with keepalive, so they outlive the page. This module loads first, so its listeners run
 * before any other pagehide or visibilitychange handler.
 */
let pageHiding = false;
/** The last refresh got no answer (offline, the connection lost, timed out): see the `online` listener below. */
let unanswered = false;
if (typeof window !== 'undefined') {
  window.addEventListener('pagehide', () => (pageHiding = true));
  window.addEventListener('pageshow', () => (pageHiding = false));
  document.addEventListener('visibilitychange', () => (pageHiding = document.visibilityState === 'hidden'));
  // Back online, a refresh that got no answer is sent again at once, for a session this tab still holds (its token in
  // memory; a restore that failed tries again on its own: lib/session.ts), not left to the next 401: its answer may
  // have been lost after the server rotated the cookie, which the server hands out again only within its grace window
  // (see requestRefresh); later, the cookie would be taken for a stolen copy and the session revoked. Refused now,
  // the session ends now, as that 401 would have ended it.
  window.addEventListener('online', () => {
    if (unanswered && getAccessToken()) refreshSession().then((refreshed) => refreshed || expire(null), () => undefined);
  });
}
const expiredListeners = new Set<(why: string | null) => void>();
const refreshedListeners = new Set<(refreshed: Refreshed) => void>();

function expire(why: string | null): void {
  expiredListeners.forEach((listener) => listener(why));
}

/**
 * Called when the session cannot be refreshed any more (the user must sign in again), with the server's reason when
 * the answer that ended it gave one (401 `session_revoked`: e.g. signed out after too many wrong answers to confirm
 * it was the user), else null.
 */
export function onSessionExpired(listener: (why: string | null) => void): () => void {
  expiredListeners.add(listener);
  return () => expiredListeners.delete(listener);
}

/**
 * Called with every access token a refresh hands out, before any request uses it: the cookie is
 * shared by the tabs, so the token may belong to another account than the one this tab shows.
 */
export function onTokenRefreshed(listener: (refreshed: Refreshed) => void): () => void {
  refreshedListeners.add(listener);
  return () => refreshedListeners.delete(listener);
}

/** Both tokens name the same account, or at least one does not say (not a JWT). */
function sameAccount(a: string | null, b: string | null): boolean {
  const [first, second] = [tokenUserId(a), tokenUserId(b)];
  return first === null || second === null || first === second;
}

export function apiUrl(path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return `${API_BASE_URL}${path}${search ? `?${search}` : ''}`;
}

/**
 * Exchanges the refresh cookie for a new access token: one request per tab however many callers
 * ask at once, and one tab at a time (the server revokes a session whose token is used twice).
 * Resolves to null when the session is gone (400/401/403); throws on network or server errors.
 */
export async function refreshAccessToken(): Promise<string | null> {
  return (await refreshSession())?.access ?? null;
}

/** refreshAccessToken, giving the whole answer: the session store takes the user from it (no /auth/me/ round trip). */
export function refreshSession(): Promise<Refreshed | null> {
  refreshInFlight ??= withRefreshLock(requestRefresh).finally(() => {
    refreshInFlight = null;
  });
  return refreshInFlight;
}

/**
 * Refreshes now (the same single-flight refresh) when the access token in memory expires before `deadline`
 * (milliseconds since the epoch). For a request that may have to be sent while the page goes away (a pagehide
 * handler): the 401 of an expired token could not be followed by a refresh and a retry then, as the page's
 * scripts stop. A token that does not say when it expires is left alone. Throws as refreshAccessToken does.
 */
export async function refreshIfExpiringBefore(deadline: number): Promise<void> {
  const expiresAt = tokenExpiresAt(getAccessToken());
  if (expiresAt !== null && expiresAt < deadline) await refreshAccessToken();
}

/**
 * A refresh runs under the cross-tab lock: it must end, or every tab would wait for it forever. Below the server's
 * reuse grace window (REFRESH_REUSE_INTERVAL_SECONDS, 10 s): see requestRefresh.
 */
export const REFRESH_TIMEOUT_MS = 8_000;

function refreshOnce(): Promise<Response> {
  // The cookie endpoint demands exactly this content type and a JSON body. A timeout is a NetworkError.
  return withTimeout(REFRESH_TIMEOUT_MS, (signal) => send(apiUrl('/auth/refresh/'), { method: 'POST', body: {}, signal }, null));
}

/**
 * A refresh that gets no answer (a timeout, the connection lost) is sent once more at once, still under the lock.
 * The server may have rotated the token and its answer, with the new cookie, been lost: presented again within the
 * server's grace window, the token rotated last gets the same new token; presented later, at the next 401, it
 * would be taken for a stolen copy and the session revoked.
 */
async function requestRefresh(): Promise<Refreshed | null> {
  let response: Response;
  unanswered = true;
  try {
    response = await refreshOnce();
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    response = await refreshOnce();
  }
  unanswered = false;
  if ([400, 401, 403].includes(response.status)) {
    setAccessToken(null);
    refused = await parse<undefined>(response, '/auth/refresh/').catch((error: unknown) => (error instanceof ApiError ? error : undefined));
    return null;
  }
  const refreshed = await parse(response, '/auth/refresh/', RefreshedSchema);
  setAccessToken(refreshed.access);
  refreshedListeners.forEach((listener) => listener(refreshed));
  return refreshed;
}

export async function apiRequest<T = undefined>(path: string, options: RequestOptions<T> = {}): Promise<T> {
  return parse(await exchange(path, options), path, options.schema);
}

/** apiRequest, also giving the answer's ETag (for a later If-Match). */
export async function apiRequestWithEtag<T>(path: string, options: RequestOptions<T> = {}): Promise<{ data: T; etag: string | null }> {
  const response = await exchange(path, options);
  return { data: await parse(response, path, options.schema), etag: response.headers.get('ETag') };
}

/**
 * The raw answer, for a body that is not JSON to parse (e.g. a file sent as an attachment): the same
 * token, refresh and errors as every other request. Throws the ApiError of an error answer.
 */
export async function apiResponse(path: string, options: Omit<RequestOptions<never>, 'schema'> & { accept?: string } = {}): Promise<Response> {
  const response = await exchange(path, options);
  if (!response.ok) await parse(response, path); // throws the ApiError
  return response;
}

/**
 * Sends the request (see `exchangeOnce`); a 403 `reauthentication_required` asks the user to confirm it's them,
 * then sends it once more, so the action they started completes. Cancelled: the 403 is the answer.
 */
async function exchange(path: string, options: SendOptions): Promise<Response> {
  const response = await exchangeOnce(path, options);
  const handler = reauthenticationHandler;
  if (response.status !== 403 || !handler || !(options.reauthenticate ?? options.auth ?? true)) return response;
  const body: unknown = await response
    .clone()
    .json()
    .catch(() => null);
  if ((body as { code?: unknown } | null)?.code !== REAUTHENTICATION_REQUIRED) return response;
  try {
    await handler(new ApiError(response.status, body, response.headers, path));
  } catch {
    return response;
  }
  return exchangeOnce(path, options);
}

/** Sends the request, refreshing once on a 401 and retrying with the new token. */
async function exchangeOnce(path: string, options: SendOptions): Promise<Response> {
  const url = apiUrl(path, options.query);
  const auth = options.auth ?? true;
  const sentWith = auth ? getAccessToken() : null;
  let response = await send(url, options, sentWith);
  if (response.status === 401 && auth) {
    // Another request may have refreshed already while this one was in flight.
    const current = getAccessToken();
    const token = current && current !== sentWith ? current : await refreshAccessToken();
    // The shared cookie now belongs to another account (signed in in another tab): this request was
    // the old account's, so it is not sent again as the new one. The session follows the new account.
    if (token && !sameAccount(token, sentWith)) return response;
    if (token) response = await send(url, options, token);
    if (!token || response.status === 401) {
      setAccessToken(null);
      expire(await revocationReason(response));
    }
  }
  return response;
}

/** The detail of a 401 `session_revoked` answer (why the server ended the session), else null; the body stays unread. */
async function revocationReason(response: Response): Promise<string | null> {
  const body: unknown = await response
    .clone()
    .json()
    .catch(() => null);
  const { code, detail } = (body ?? {}) as { code?: unknown; detail?: unknown };
  return code === SESSION_REVOKED && typeof detail === 'string' && detail ? detail : null;
}

/** What `send` needs: a request's options, and what the answer may be (JSON unless told). */
type SendOptions = RequestOptions<unknown> & { accept?: string };

async function send(url: string, options: SendOptions, token: string | null): Promise<Response> {
  // Offline for certain: fail now, with a message that says so; nothing waits to be sent later.
  if (isOffline()) throw new NetworkError(null, OFFLINE_MESSAGE);
  const headers: Record<string, string> = { ...options.headers, Accept: options.accept ?? 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    return await fetch(url, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal,
      // Sent while the tab closes (a pagehide handler): the request must outlive the page.
      keepalive: pageHiding,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new NetworkError(error);
  }
}

async function parse<T>(response: Response, path: string, schema?: ResponseSchema<T>): Promise<T> {
  const text = response.status === 204 ? '' : await response.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch (error) {
      if (response.ok) throw new ResponseShapeError(path, error);
    }
  }
  if (!response.ok) throw new ApiError(response.status, body, response.headers, path);
  if (!schema) return body as T;
  const result = schema.safeParse(body);
  if (!result.success) throw new ResponseShapeError(path, result.error);
  return result.data;
}

/** Test hook: forget a refresh left in flight by a previous test. */
export function resetApiClientForTests(): void {
  refreshInFlight = null;
  unanswered = false;
  reauthenticationHandler = null;
  expiredListeners.clear();
  refreshedListeners.clear();
  setAccessToken(null);
}
