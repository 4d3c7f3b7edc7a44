/**
 * Task dialogs not saved yet, kept in this tab's storage (lib/tab-storage.ts) for the account that typed them. A
 * session that ends mid-form (the save's 401, the refresh refused) takes the user to the sign-in page
 * (app/require-auth.tsx) and unmounts the dialog: without this, what they typed would be gone. Written as the user
 * types; dropped when the dialog closes the usual way (saved, Cancel, "Discard changes", Back) or goes back to what it
 * started from; offered back by the tasks page once the same account is signed in again.
 *
 * One account's only: read for another account, they are dropped unread. When the tab forgets the account
 * (lib/session.ts, onForgetAccountData) they are dropped too, except for the account whose session expired in this
 * tab, the one whose `next` page the sign-in page keeps (lib/navigation.ts): a sign-out leaves none behind.
 */
import { type RefObject, useCallback, useEffect, useRef } from 'react';
import { getSession, onForgetAccountData } from '@/lib/session';
import { readTabValue, writeTabValue } from '@/lib/tab-storage';
import { z } from '@/lib/zod';
import { TaskSchema } from '@/features/tasks/types';
import { TASK_PRIORITIES, TASK_STATUSES } from '@/types/task';

/** The key of a new task's draft; an edit's is the task's id (a UUID). */
export const NEW_TASK_DRAFT = 'new';

const DraftSchema = z.object({
  /** The form's fields as the user left them. */
  values: z.object({
    title: z.string(),
    description: z.string(),
    status: z.enum(TASK_STATUSES),
    priority: z.enum(TASK_PRIORITIES),
    due_date: z.string(),
  }),
  /** An edit's: the version of the task the form started from, against which the user's changes are told apart. */
  base: TaskSchema.nullable(),
});
export type TaskDraft = z.infer<typeof DraftSchema>;

const StoredSchema = z.object({ user: z.string(), drafts: z.record(z.string(), DraftSchema) });
type Stored = z.infer<typeof StoredSchema>;

function read(): Stored | null {
  const raw = readTabValue('task-drafts');
  if (raw === null) return null;
  try {
    const parsed = StoredSchema.safeParse(JSON.parse(raw));
    if (parsed.success) return parsed.data;
  } catch {
    // Not JSON: dropped below, as anything else unreadable.
  }
  writeTabValue('task-drafts', null);
  return null;
}

function write(user: string, drafts: Record<string, TaskDraft>): void {
  writeTabValue('task-drafts', Object.keys(drafts).length ? JSON.stringify({ user, drafts } satisfies Stored) : null);
}

/** `user`'s drafts, by key; another account's are dropped. */
export function readDrafts(user: string): Record<string, TaskDraft> {
  const stored = read();
  if (stored && stored.user !== user) writeTabValue('task-drafts', null);
  return stored?.user === user ? stored.drafts : {};
}

export function keepDraft(user: string, key: string, draft: TaskDraft): void {
  write(user, { ...readDrafts(user), [key]: draft });
}

export function dropDraft(user: string, key: string): void {
  const drafts = readDrafts(user);
  if (key in drafts) write(user, Object.fromEntries(Object.entries(drafts).filter(([other]) => other !== key)));
}

onForgetAccountData(() => {
  const stored = read();
  if (!stored) return;
  // lib/session.ts does not tell why the account is forgotten: the session of the account whose `next` page is kept
  // expired (kept), or it signed out, or someone else signed in (dropped).
  if (readTabValue('next-owner') !== stored.user) {
    writeTabValue('task-drafts', null);
    return;
  }
  // A sign-in forgets first, then says who it is: someone else than the drafts' owner drops them at once.
  queueMicrotask(() => {
    const session = getSession();
    if (session.status === 'authenticated' && session.user.id !== stored.user) readDrafts(session.user.id);
  });
});

/**
 * The dialog's `onClose` for each usual way it closes (saved, Cancel, "Discard changes", Back): its draft goes, and
 * `closed` tells useKeptDraft to write it no more. A dialog unmounted otherwise (the session ended, the page was left)
 * keeps it.
 */
export function useDraftClose(user: string, key: string, close: () => void): { closed: RefObject<boolean>; onClose: () => void } {
  const closed = useRef(false);
  const onClose = useCallback(() => {
    closed.current = true;
    dropDraft(user, key);
    close();
  }, [user, key, close]);
  return { closed, onClose };
}

/** Keeps an open dialog's draft as it changes; `draft` null (the form is as it started) drops it. */
export function useKeptDraft(user: string, key: string, draft: TaskDraft | null, closed: RefObject<boolean>): void {
  const serialized = draft ? JSON.stringify(draft) : null;
  useEffect(() => {
    if (closed.current) return;
    if (serialized === null) dropDraft(user, key);
    else keepDraft(user, key, JSON.parse(serialized) as TaskDraft);
  }, [user, key, serialized, closed]);
}
