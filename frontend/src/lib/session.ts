/**
 * Who is signed in, as an external store: restored on load through the refresh cookie, ended
 * when a refresh fails, and kept in step across tabs by the auth channel.
 */
import { useSyncExternalStore } from 'react';
import { setAccessToken, tokenUserId } from '@/lib/access-token';
import { apiRequest, onSessionExpired, onTokenRefreshed, refreshAccessToken, refreshRefusal, refreshSession } from '@/lib/api-client';
import { ApiError } from '@/lib/api-error';
import { broadcastAuth, listenAuth } from '@/lib/auth-channel';
import { forgetNextOwner, rememberNextOwner } from '@/lib/navigation';
import { type User, UserSchema } from '@/types/user';

export type SessionState =
  | { status: 'loading' }
  | { status: 'authenticated'; user: User }
  /**
   * `why`: the server's reason, when it gave one for ending the session (lib/api-client.ts, onSessionExpired).
   * `allDevices`: signed out with "Sign out everywhere", every device's session revoked; the sign-in page confirms it.
   * Still a 'signed-out' reason, so whatever treats a sign-out (no `next` page kept) treats this one alike.
   */
  | { status: 'anonymous'; reason: 'none' | 'expired' | 'signed-out'; why?: string; allDevices?: true }
  /** The silent restore hit a temporary failure (429, 5xx, offline); `retryAt` is the next automatic try. */
  | { status: 'unavailable'; retryAt: number | null };

let state: SessionState = { status: 'loading' };
const listeners = new Set<() => void>();

function setState(next: SessionState): void {
  state = next;
  listeners.forEach((listener) => listener());
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const accountDataListeners = new Set<() => void>();

/**
 * Called whenever what this tab knows about the account must go: sign-in, sign-out, expiry, another
 * account. The query cache (lib/query-client.ts), the remembered search, the toasts and the deletes
 * waiting out their undo window register here, so the boot path need not import any of them.
 */
export function onForgetAccountData(listener: () => void): () => void {
  accountDataListeners.add(listener);
  return () => accountDataListeners.delete(listener);
}

function forgetAccountData(): void {
  accountDataListeners.forEach((listener) => listener());
}

export function getSession(): SessionState {
  return state;
}

export function useSession(): SessionState {
  return useSyncExternalStore(subscribe, getSession, getSession);
}

/** The signed-in user; only call it below the route guard. */
export function useCurrentUser(): User {
  const session = useSession();
  if (session.status !== 'authenticated') throw new Error('useCurrentUser needs a signed-in user');
  return session.user;
}

/** After login or registration: keep the token in memory and tell the other tabs who signed in. */
export function startSession(access: string, user: User): void {
  setAccessToken(access);
  forgetAccountData();
  setState({ status: 'authenticated', user });
  broadcastAuth({ type: 'signed-in', userId: user.id });
}

/**
 * The signed-in user's new details (a profile save). Only for the same account: an answer that arrives
 * after this tab switched to another account (it signed in in another tab) must not show the old one.
 */
export function updateSessionUser(user: User): void {
  if (state.status === 'authenticated' && state.user.id === user.id) setState({ status: 'authenticated', user });
}

/** Same details: a refresh that changed nothing re-renders nothing. */
function sameUser(a: User, b: User): boolean {
  return (Object.keys(a) as (keyof User)[]).every((key) => a[key] === b[key]);
}

/**
 * Forget everything this tab knows about the user (no request). Expired: the sign-in page keeps the page the user
 * was on as `next`, for this account only (lib/navigation.ts), and shows `why` when the server gave a reason.
 * Signed out: no page is kept for anyone.
 */
export function endSession(reason: 'none' | 'expired' | 'signed-out', why?: string): void {
  end(why ? { status: 'anonymous', reason, why } : { status: 'anonymous', reason });
}

function end(next: Extract<SessionState, { status: 'anonymous' }>): void {
  if (next.reason === 'expired' && state.status === 'authenticated') rememberNextOwner(state.user.id);
  if (next.reason === 'signed-out') forgetNextOwner();
  setAccessToken(null);
  forgetAccountData();
  setState(next);
}

/** Automatic restore retries after a temporary failure: backoff 1, 2, 4, 8, 16 s, or Retry-After (≤ 60 s). */
const RESTORE_RETRIES = 5;
const MAX_RETRY_DELAY_S = 60;
let restoreFailures = 0;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

function isAnonymousAnswer(error: unknown): boolean {
  return error instanceof ApiError && [400, 401, 403].includes(error.status);
}

/**
 * On load: a valid refresh cookie signs the user in silently. Only 400/401/403 mean "no session";
 * a temporary failure shows the "couldn't restore" state and retries on its own, a few times.
 */
export async function restoreSession(): Promise<void> {
  clearTimeout(retryTimer);
  try {
    const refreshed = await refreshSession();
    if (!refreshed) {
      // A session that was there and is gone says why on the sign-in page: revoked or expired (the default notice),
      // or revoked as stolen when a refresh whose answer was lost was sent again too late (the server's reason).
      const { code, message } = refreshRefusal() ?? {};
      endSession(code === 'invalid_refresh_token' || code === 'refresh_token_reused' ? 'expired' : 'none', code === 'refresh_token_reused' ? message : undefined);
      return;
    }
    await identify(refreshed.user);
  } catch (error) {
    restoreFailed(error);
  }
}

/**
 * Who the access token in memory belongs to: the signed-in state, or a failure for the caller to handle. The
 * refresh that got the token also sent its user (`sent`); only if that is missing or malformed is /auth/me/ asked.
 */
async function identify(sent?: unknown): Promise<void> {
  const checked = UserSchema.safeParse(sent);
  const user = checked.success ? checked.data : await apiRequest('/auth/me/', { schema: UserSchema });
  restoreFailures = 0;
  setState({ status: 'authenticated', user });
}

/**
 * Back online, a restore that failed tries again at once (restoreSession cancels its timer), not when the timer says:
 * when a refresh got no answer, the server may have rotated the cookie and its answer been lost; it hands out the
 * same new one again only within its grace window (REFRESH_REUSE_INTERVAL_SECONDS, 10 s), after which the cookie
 * presented again is taken for a stolen copy and the session revoked.
 */
if (typeof window !== 'undefined') window.addEventListener('online', () => state.status === 'unavailable' && void restoreSession());

function restoreFailed(error: unknown): void {
  if (isAnonymousAnswer(error)) {
    endSession('none');
    return;
  }
  restoreFailures += 1;
  if (restoreFailures > RESTORE_RETRIES) {
    setState({ status: 'unavailable', retryAt: null });
    return;
  }
  const asked = error instanceof ApiError ? error.retryAfter : null;
  const delay = Math.min(asked ?? 2 ** (restoreFailures - 1), MAX_RETRY_DELAY_S) * 1000;
  setState({ status: 'unavailable', retryAt: Date.now() + delay });
  retryTimer = setTimeout(() => void restoreSession(), delay);
}

/**
 * The shared refresh cookie belongs to another account now (it signed in in another tab): nothing
 * of the account this tab showed may stay on screen or in the cache. 'in-memory': a refresh just
 * put the new account's access token in memory (and sent its `user`); 'refresh': a refresh fetches both.
 */
function followAnotherAccount(token: 'in-memory' | 'refresh', user?: unknown): void {
  clearTimeout(retryTimer);
  if (token === 'refresh') setAccessToken(null);
  forgetAccountData();
  setState({ status: 'loading' });
  void (token === 'refresh' ? restoreSession() : identify(user).catch(restoreFailed));
}

/**
 * Another tab's session ended without a sign-out (expired or revoked): this tab's may have ended
 * too (they share the cookie). A refresh tells; a temporary failure leaves it to the next request.
 */
async function checkSessionStillLive(): Promise<void> {
  try {
    const access = await refreshAccessToken();
    if (!access && state.status === 'authenticated') endSession('expired');
  } catch {
    // Offline or the server is busy: the next request refreshes (and ends the session) if need be.
  }
}

/** Every session was revoked here (a password reset): end this tab's and tell the others to check theirs. */
export function sessionsRevoked(): void {
  endSession('none');
  broadcastAuth({ type: 'session-ended' });
}

/** The "Retry" button of the couldn't-restore page: try now, with a fresh set of automatic retries. */
export function retryRestoreSession(): Promise<void> {
  restoreFailures = 0;
  setState({ status: 'loading' });
  return restoreSession();
}

/** The server already revoked the session(s): end this tab's and tell the others. */
export function signedOutInEveryTab(): void {
  endSession('signed-out');
  broadcastAuth({ type: 'signed-out' });
}

/**
 * "Sign out everywhere" revoked every device's session: as signedOutInEveryTab (every tab), and this tab's sign-in
 * page says so; the others show theirs as after any sign-out (the user did not act in them).
 */
export function signedOutOfAllDevices(): void {
  end({ status: 'anonymous', reason: 'signed-out', allDevices: true });
  broadcastAuth({ type: 'signed-out' });
}

/** Wires the store to the API client and the other tabs; returns the unsubscribe. */
export function connectSession(): () => void {
  const offExpired = onSessionExpired((why) => {
    if (state.status !== 'authenticated') return;
    endSession('expired', why ?? undefined);
    broadcastAuth({ type: 'session-ended' });
  });
  const offRefreshed = onTokenRefreshed(({ access, user }) => {
    if (state.status !== 'authenticated') return;
    const id = tokenUserId(access);
    if (id !== null && id !== state.user.id) {
      followAnotherAccount('in-memory', user);
      return;
    }
    // The same account, as the server has it now: e.g. its address verified or changed in another tab. A user
    // missing or malformed changes nothing (the one shown stays); updateSessionUser takes the same account only.
    const checked = UserSchema.safeParse(user);
    if (checked.success && !sameUser(checked.data, state.user)) updateSessionUser(checked.data);
  });
  const offChannel = listenAuth((message) => {
    if (message.type === 'signed-out') {
      if (state.status !== 'anonymous') endSession('signed-out');
    } else if (message.type === 'signed-in') {
      // The same account signing in elsewhere changes nothing here; anyone else replaces what this tab shows.
      if (state.status !== 'authenticated' || state.user.id !== message.userId) followAnotherAccount('refresh');
    } else if (state.status === 'authenticated') {
      void checkSessionStillLive();
    }
  });
  return () => {
    offExpired();
    offRefreshed();
    offChannel();
  };
}

/** Test hook. */
export function resetSessionForTests(next: SessionState = { status: 'loading' }): void {
  clearTimeout(retryTimer);
  restoreFailures = 0;
  state = next;
}
