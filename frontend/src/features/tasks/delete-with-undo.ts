/**
 * Deleting with Undo. The tasks disappear from the lists at once and a toast offers Undo; the
 * DELETE (or the bulk delete) is sent only when the toast goes: its time is up, it is dismissed, newer toasts
 * push it out (3 at most show: lib/toasts.ts), no toaster has shown it for an undo window, the user signs out (in
 * this tab or another: lib/sign-out.ts), or the tab is hidden or closes (then with keepalive). Undo within that window sends nothing.
 *
 * Delayed rather than restored: the API has no undelete, and creating the task again would give it
 * a new id and creation date and lose when it was completed; until the window closes the server
 * still has the task exactly as it was, so Undo cannot fail. The queue lives in this module, not in
 * the page, so it survives leaving the tasks page, but not the account: sign-outs send it first, and
 * anything else that ends the account's time in this tab drops what is still waiting.
 */
import type { QueryClient } from '@tanstack/react-query';
import { Fragment, type ReactNode, createElement, useSyncExternalStore } from 'react';
import { refreshIfExpiringBefore } from '@/lib/api-client';
import { ApiError, errorMessage } from '@/lib/api-error';
import { queryKeys } from '@/lib/query-keys';
import { onForgetAccountData } from '@/lib/session';
import { beforeSignOut } from '@/lib/sign-out';
import { type ToastOptions, dismissToast, showToast, whenToastsUnshown } from '@/lib/toasts';
import { bulkTasks } from '@/features/tasks/api/bulk-tasks';
import { deleteTask } from '@/features/tasks/api/delete-task';
import type { Task } from '@/features/tasks/types';

/** How long Undo is offered (it stands still while the pointer or the focus is on the toast). */
export const UNDO_MS = 8_000;

/**
 * A queued delete's access token must stay valid this long past the undo window: for a toast held open a
 * little (pointer or focus on it), and for a browser clock a little off the server's.
 */
export const TOKEN_MARGIN_MS = 60_000;

interface Batch {
  tasks: Task[];
  client: QueryClient;
  /** The list the tasks were deleted from (its filters, not its page): the server counts them there until sent. */
  listedUnder: string | undefined;
  toast: number;
  /** Set once the request is on its way: Undo is over. */
  sent?: Promise<void>;
}

const batches = new Map<number, Batch>();
const listeners = new Set<() => void>();
let hidden: ReadonlyMap<string, string | undefined> = new Map();
let nextKey = 0;

function changed(): void {
  hidden = new Map([...batches.values()].flatMap((batch) => batch.tasks.map((task) => [task.id, batch.listedUnder] as const)));
  listeners.forEach((listener) => listener());
}

/** The sentence a toast says, from its parts (this module has no JSX). */
function sentence(...parts: ReactNode[]): ReactNode {
  return createElement(Fragment, null, ...parts);
}

/** “Its title” (in a <bdi>: a title written right to left cannot reorder the sentence around it), or "3 tasks". */
function describe(tasks: Task[]): ReactNode {
  return tasks.length === 1 ? sentence('“', createElement('bdi', null, tasks[0]?.title), '”') : `${tasks.length} tasks`;
}

/**
 * Hides the tasks now and sends their deletion when the Undo toast goes. `listedUnder` names the list they were
 * deleted from (its filters, any page), whose count then leaves them out on every page (useDeletingTasks).
 */
export function deleteWithUndo(tasks: Task[], client: QueryClient, listedUnder?: string): void {
  if (tasks.length === 0) return;
  nextKey += 1;
  const key = nextKey;
  const batch: Batch = { tasks, client, listedUnder, toast: 0 };
  batches.set(key, batch);
  batch.toast = showToast({
    message: sentence('Deleted ', describe(tasks), '.'),
    tone: 'info',
    duration: UNDO_MS,
    action: { label: 'Undo', run: () => undo(key) },
    onExpire: () => void send(key),
  });
  changed();
  // The DELETE may go from the pagehide handler (the tab closed within the window), when a 401's refresh and
  // retry can no longer run: a token that would expire by then is refreshed now. A failure here is the
  // DELETE's to meet and report, as ever.
  refreshIfExpiringBefore(Date.now() + UNDO_MS + TOKEN_MARGIN_MS).catch(() => undefined);
}

function undo(key: number): void {
  const batch = batches.get(key);
  if (!batch || batch.sent) return;
  batches.delete(key);
  changed();
  showToast({ message: sentence('Restored ', describe(batch.tasks), '.') });
  // The restored row takes the focus back (after the list has shown it again).
  setTimeout(() => document.querySelector<HTMLElement>(`[data-task-row="${batch.tasks[0]?.id}"]`)?.focus(), 0);
}

/** Bumped whenever the account's data goes: a request answered after that reports nothing of it. */
let accountEpoch = 0;

function send(key: number, { signingOut = false } = {}): Promise<void> {
  const batch = batches.get(key);
  if (!batch) return Promise.resolve();
  const epoch = accountEpoch;
  batch.sent ??= (async () => {
    const ids = batch.tasks.map((task) => task.id);
    const [only] = ids;
    try {
      if (ids.length === 1 && only !== undefined) await deleteTask(only);
      else await bulkTasks(ids, 'delete');
    } catch (error) {
      // Already gone (deleted elsewhere) is what was wanted.
      if (!(error instanceof ApiError && error.status === 404)) {
        if (epoch !== accountEpoch) return; // the account's time in this tab ended meanwhile: nothing of it shows
        batches.delete(key);
        changed();
        showToast(failure(batch.tasks, error, signingOut));
        return;
      }
    }
    if (epoch !== accountEpoch) return;
    // Hidden until the lists have been fetched again without them, so they never flash back.
    await batch.client.invalidateQueries({ queryKey: queryKeys.tasks }).catch(() => undefined);
    batches.delete(key);
    changed();
  })();
  return batch.sent;
}

function failure(tasks: Task[], error: unknown, signingOut: boolean): ToastOptions {
  if (!signingOut) return { tone: 'error', message: sentence('Could not delete ', describe(tasks), `: ${errorMessage(error)}`) };
  // Shown on past the sign-out (on the sign-in page, maybe to someone else), so without the tasks' titles.
  const count = tasks.length === 1 ? '1 task you deleted' : `${tasks.length} tasks you deleted`;
  return {
    tone: 'error',
    message: `While signing out, ${count} could not be deleted (${errorMessage(error)}); still in the account.`,
    keepAcrossAccounts: true,
  };
}

/** Sends every deletion still waiting, now (their toasts go). */
export function sendPendingDeletes({ signingOut = false } = {}): Promise<void> {
  const waiting = [...batches.entries()].filter(([, batch]) => !batch.sent);
  // Sent first, then their toasts dismissed: a dismissed toast sends too (onExpire), and the first send wins.
  const sending = waiting.map(([key]) => send(key, { signingOut }));
  waiting.forEach(([, batch]) => dismissToast(batch.toast));
  return Promise.all(sending).then(() => undefined);
}

/**
 * The account's data is going (a sign-out sent its deletions first; otherwise the session expired or was
 * revoked, or another account signed in in another tab): a deletion not yet sent can no longer be, as this
 * account, so it is dropped (its task stays on the server), and one on its way reports nothing when it ends.
 * Their toasts go with the others (lib/toasts.ts); one that expires later finds no batch and sends nothing.
 */
function forgetDeletes(): void {
  accountEpoch += 1;
  batches.clear();
  changed();
}

// Before signing out, here or in another tab (the session must still exist), and when the tab closes (keepalive requests).
beforeSignOut(() => sendPendingDeletes({ signingOut: true }));
onForgetAccountData(forgetDeletes);
// No toaster for an undo window (the not-found page, the root error page): the toasts' time stands still, and the
// deletes would wait unseen, without end, while the token refreshed for them at delete time expires (a tab closed
// later would send them with a stale token, refused, and lost silently). They go as when newer toasts push Undo out:
// asked for, and no Undo to be seen. A change of layout's brief gap does not count (lib/toasts.ts).
whenToastsUnshown(UNDO_MS, () => void sendPendingDeletes());
if (typeof window !== 'undefined') {
  window.addEventListener('pagehide', () => void sendPendingDeletes());
  // Hidden (another tab or app, the screen locked) may be the last moment the page runs: a mobile browser often
  // discards a hidden page without any pagehide. The deletes still waiting go then (keepalive too), while the
  // page can still refresh a token and retry; Undo ends there.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') void sendPendingDeletes();
  });
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * The tasks whose deletion is waiting or on its way, by id, with the list they were deleted from: the lists leave
 * them out, and that list's count too (the server counts them until the lists are fetched again without them).
 */
export function useDeletingTasks(): ReadonlyMap<string, string | undefined> {
  return useSyncExternalStore(subscribe, () => hidden, () => hidden);
}

/** Test hook: forget every batch without sending anything. */
export function resetDeletesForTests(): void {
  batches.clear();
  changed();
}
