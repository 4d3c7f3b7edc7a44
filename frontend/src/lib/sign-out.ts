/**
 * Signing out, and the work that must reach the server before it, in every tab: once the session is revoked its
 * access tokens are refused, so a delete still waiting out its undo window in any tab must be sent first. Not on
 * the boot path (lib/session.ts keeps what the restore needs): the layout loads it when the user signs out, and
 * the work that registers here (features/tasks/delete-with-undo.ts) brings it into the tabs that have some, which
 * are the tabs that must answer another tab's sign-out.
 */
import { REFRESH_TIMEOUT_MS, apiRequest } from '@/lib/api-client';
import { ApiError } from '@/lib/api-error';
import { withRefreshLock } from '@/lib/refresh-lock';
import { signedOutInEveryTab } from '@/lib/session';
import { withTimeout } from '@/lib/timeout';

/**
 * The tabs' talk about a sign-out to come, on a channel of its own (the auth channel, lib/auth-channel.ts, is on the
 * boot path): 'signing-out' from the tab signing out; 'flushing' from a tab sending its work, 'flushed' once done.
 */
type SignOutMessage = { type: 'signing-out' | 'flushing' | 'flushed' };
const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('sad-sign-out');
const tell = (type: SignOutMessage['type']) => channel?.postMessage({ type } satisfies SignOutMessage);

function listen(listener: (type: unknown) => void): () => void {
  const handler = (event: MessageEvent<Partial<SignOutMessage> | null>) => listener(event.data?.type);
  channel?.addEventListener('message', handler);
  return () => channel?.removeEventListener('message', handler);
}

const beforeSignOutWork = new Set<() => Promise<unknown>>();

/**
 * Work that must reach the server while the session still exists, run (and awaited) when the user
 * signs out, in this tab or another: e.g. deletes still waiting out their undo window.
 */
export function beforeSignOut(work: () => Promise<unknown>): () => void {
  beforeSignOutWork.add(work);
  return () => beforeSignOutWork.delete(work);
}

function runOwnWork(): Promise<unknown> {
  return Promise.allSettled([...beforeSignOutWork].map((work) => work()));
}

/**
 * How long the other tabs have to say they are sending work: they say so at once when they hear of the sign-out;
 * one that says nothing has none (or is frozen in the background, and sent its deletes when it was hidden).
 */
export const OTHER_TABS_ANSWER_MS = 250;
/** How long a sign-out waits, at most, for the other tabs' work (the user is waiting too). */
export const OTHER_TABS_WORK_MS = 1_500;

/** Tells the other tabs a sign-out is coming; resolves once those sending work are done, or when their time is up. */
function otherTabsDone(): Promise<void> {
  let sending = 0;
  let answerTimeOver = false;
  let stopListening = () => {};
  return new Promise<void>((resolve) => {
    const settle = () => {
      if (answerTimeOver && sending <= 0) resolve();
    };
    stopListening = listen((type) => {
      if (type === 'flushing') sending += 1;
      if (type === 'flushed') {
        sending -= 1;
        settle();
      }
    });
    setTimeout(() => {
      answerTimeOver = true;
      settle();
    }, OTHER_TABS_ANSWER_MS);
    setTimeout(resolve, OTHER_TABS_WORK_MS);
    tell('signing-out');
  }).finally(() => stopListening());
}

/**
 * Runs (and awaits) the work that needs the session, this tab's and the other tabs': before any sign-out the user
 * asks for, this one or everywhere.
 */
export async function runBeforeSignOut(): Promise<void> {
  await Promise.all([otherTabsDone(), runOwnWork()]);
}

// Another tab is about to sign out: this tab's work goes now, saying so, and the other tab waits for it to be done.
listen((type) => {
  if (type !== 'signing-out' || beforeSignOutWork.size === 0) return;
  tell('flushing');
  void runOwnWork().then(() => tell('flushed'));
});

/**
 * Revoke this device's session, then sign out every tab. Resolves to false, changing nothing,
 * when the server could not be told (offline, 5xx, 429): the httpOnly cookie would stay valid.
 */
export async function signOut(): Promise<boolean> {
  await runBeforeSignOut();
  try {
    // Under the refresh lock: logging out with a cookie another tab is rotating would look like reuse.
    await withRefreshLock(() =>
      withTimeout(REFRESH_TIMEOUT_MS, (signal) => apiRequest('/auth/logout/', { method: 'POST', body: {}, auth: false, signal })),
    );
  } catch (error) {
    // 400/401: no valid refresh token was sent, so there is no session left to end.
    if (!(error instanceof ApiError && [400, 401].includes(error.status))) return false;
  }
  signedOutInEveryTab();
  return true;
}
