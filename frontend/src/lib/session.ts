/**
 * Who is signed in, as an external store: restored on load through the refresh cookie, ended
 * when a refresh fails, and kept in step across tabs by the auth channel.
 */
import { useSyncExternalStore } from 'react';
import { setAccessToken } from '@/lib/access-token';
import { apiRequest, onSessionExpired, refreshAccessToken } from '@/lib/api-client';
import { broadcastAuth, listenAuth } from '@/lib/auth-channel';
import { queryClient } from '@/lib/query-client';
import { withRefreshLock } from '@/lib/refresh-lock';
import { type User, UserSchema } from '@/types/api';

export type SessionState =
  | { status: 'loading' }
  | { status: 'authenticated'; user: User }
  | { status: 'anonymous'; reason: 'none' | 'expired' | 'signed-out' };

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

/** After login or registration: keep the token in memory and tell the other tabs. */
export function startSession(access: string, user: User): void {
  setAccessToken(access);
  queryClient.clear();
  setState({ status: 'authenticated', user });
  broadcastAuth({ type: 'signed-in' });
}

export function updateSessionUser(user: User): void {
  if (state.status === 'authenticated') setState({ status: 'authenticated', user });
}

/** Forget everything this tab knows about the user (no request). */
export function endSession(reason: 'none' | 'expired' | 'signed-out'): void {
  setAccessToken(null);
  queryClient.clear();
  setState({ status: 'anonymous', reason });
}

/** On load: a valid refresh cookie signs the user in silently. */
export async function restoreSession(): Promise<void> {
  try {
    const access = await refreshAccessToken();
    if (!access) {
      endSession('none');
      return;
    }
    const user = await apiRequest('/auth/me/', { schema: UserSchema });
    setState({ status: 'authenticated', user });
  } catch {
    endSession('none');
  }
}

/** Revoke this device's session, then sign out every tab. */
export async function signOut(): Promise<void> {
  try {
    // Under the refresh lock: logging out with a cookie another tab is rotating would look like reuse.
    await withRefreshLock(() => apiRequest('/auth/logout/', { method: 'POST', body: {}, auth: false }));
  } catch {
    // Signed out locally all the same; the session expires on its own.
  } finally {
    signedOutEverywhere();
  }
}

/** The server already revoked the session(s): end this tab's and tell the others. */
export function signedOutEverywhere(): void {
  endSession('signed-out');
  broadcastAuth({ type: 'signed-out' });
}

/** Wires the store to the API client and the other tabs; returns the unsubscribe. */
export function connectSession(): () => void {
  const offExpired = onSessionExpired(() => {
    if (state.status === 'authenticated') endSession('expired');
  });
  const offChannel = listenAuth((message) => {
    if (message.type === 'signed-out' && state.status !== 'anonymous') endSession('signed-out');
    if (message.type === 'signed-in' && state.status === 'anonymous') void restoreSession();
  });
  return () => {
    offExpired();
    offChannel();
  };
}

/** Test hook. */
export function resetSessionForTests(next: SessionState = { status: 'loading' }): void {
  state = next;
}
