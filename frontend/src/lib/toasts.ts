/**
 * Short messages about the result of an action ("Task created.", "Could not delete …"), shown by
 * the <Toaster> of the signed-in layout or of the auth card (AuthLayout). A toast may offer one action (Undo); it
 * goes away after its duration, or when dismissed. `onExpire` runs when its time is up, it is dismissed or newer
 * ones push it out, not when its action was taken.
 *
 * Its time runs only while a <Toaster> is mounted to show it, not from showToast on: "Your account was deleted." is
 * shown on the way to the sign-in page, whose toaster comes with the page's lazy chunk, and its 5 s would otherwise
 * pass, in part or (on a slow network) all, behind the loading spinner. It also stands still while the pointer or
 * the focus is on the toasts. Toasts left with no toaster for a while (whenToastsUnshown) are for their owners to settle.
 *
 * Nor does it run while a modal dialog is open (holdToasts, taken by components/dialog.tsx): the browser makes the
 * rest of the page inert then, the toasts with it, so a screen reader does not read them and the keyboard cannot reach
 * them (an Undo neither); a failure's 10 s would pass unseen. Those that came while one was open are put on screen
 * anew (`showing`) once the last one closes, so that their live region, exposed again, reads them out.
 */
import { type ReactNode, useSyncExternalStore } from 'react';
import { onForgetAccountData } from '@/lib/session';

export type ToastTone = 'success' | 'error' | 'info';

export interface ToastOptions {
  /** Text from the user (a task's title, an address) goes in a <bdi>: one written right to left, or with bidi
   *  controls in it, then cannot reorder the sentence around it. */
  message: ReactNode;
  tone?: ToastTone;
  action?: { label: string; run: () => void };
  /** How long it stays, in ms (errors stay longer: there may be something to do about them). */
  duration?: number;
  /** When it leaves without its action taken: time up, dismissed, or pushed out by newer ones (MAX_TOASTS). */
  onExpire?: () => void;
  /**
   * It names nothing of the account's data, so it stays when that data goes (sign-out, expiry, another account):
   * e.g. what a sign-out could not do. Every other toast goes then.
   */
  keepAcrossAccounts?: boolean;
}

export interface Toast extends Required<Pick<ToastOptions, 'message' | 'tone'>> {
  id: number;
  action?: ToastOptions['action'];
  /** How many times it was put on screen anew (the toaster's key): once more when a dialog that hid it closes. */
  showing: number;
}

interface Entry {
  toast: Toast;
  onExpire?: () => void;
  keepAcrossAccounts?: boolean;
  remaining: number;
  startedAt: number;
  timer?: ReturnType<typeof setTimeout>;
  /** Put on screen while a modal dialog hid the toaster from screen readers (markToastUnheard): shown anew after. */
  unheard?: boolean;
}

export const TOAST_MS = { success: 5_000, info: 5_000, error: 10_000 } as const;

const entries = new Map<number, Entry>();
const listeners = new Set<() => void>();
let snapshot: readonly Toast[] = [];
let nextId = 0;
let paused = false;
/** Toasters mounted (registerToaster); during a change of layout there may briefly be two, or none. */
let toasters = 0;
/** Modal dialogs open (holdToasts): while any is, the toasts behind it are out of reach, their time stands still. */
let holds = 0;
/** Whether the toasts' time runs: a toaster shows them, no dialog hides them and they are not paused (retime). */
let running = false;

/** Who wants to know when toasts have waited unshown (no toaster) this long: their ms, and the timer running for it. */
const unshownWatchers = new Map<() => void, { ms: number; timer?: ReturnType<typeof setTimeout> }>();

/** Times the wait of toasts with no toaster to show them (whenToastsUnshown); stops it once one shows them or none is left. */
function watchUnshown(): void {
  const unshown = toasters === 0 && entries.size > 0;
  for (const [listener, watcher] of unshownWatchers) {
    if (!unshown) {
      clearTimeout(watcher.timer);
      watcher.timer = undefined;
    } else if (!watcher.timer) {
      watcher.timer = setTimeout(() => {
        watcher.timer = undefined;
        listener();
      }, watcher.ms);
    }
  }
}

function changed(): void {
  snapshot = [...entries.values()].map((entry) => entry.toast);
  listeners.forEach((listener) => listener());
}

function run(entry: Entry): void {
  entry.startedAt = Date.now();
  entry.timer = setTimeout(() => leave(entry.toast.id, true), entry.remaining);
}

function leave(id: number, expired: boolean): void {
  const entry = entries.get(id);
  if (!entry) return;
  clearTimeout(entry.timer);
  entries.delete(id);
  changed();
  watchUnshown();
  if (expired) entry.onExpire?.();
}

/**
 * At most this many at once: more covered the page's controls (on a phone, most of the screen). A new one pushes
 * out the oldest without an action, else the oldest, as if its time were up: its onExpire runs. A pushed-out Undo
 * thus sends its deletion (tasks/delete-with-undo.ts), as its time running out would have a little later: the
 * deletion was asked for, and its Undo could no longer be seen.
 */
export const MAX_TOASTS = 3;

export function showToast({ message, tone = 'success', action, duration, onExpire, keepAcrossAccounts }: ToastOptions): number {
  while (entries.size >= MAX_TOASTS) {
    const shown = [...entries.values()];
    const oldest = shown.find((entry) => !entry.toast.action) ?? shown[0];
    if (!oldest) break;
    leave(oldest.toast.id, true);
  }
  nextId += 1;
  const entry: Entry = {
    toast: { id: nextId, message, tone, action, showing: 0 },
    onExpire,
    keepAcrossAccounts,
    remaining: duration ?? TOAST_MS[tone],
    startedAt: 0,
  };
  entries.set(nextId, entry);
  if (running) run(entry);
  changed();
  watchUnshown();
  return nextId;
}

/** Closes it as if its time were up (its onExpire runs). */
export function dismissToast(id: number): void {
  leave(id, true);
}

/** Takes its action, then closes it (its onExpire does not run). */
export function actOnToast(id: number): void {
  const entry = entries.get(id);
  if (!entry) return;
  leave(id, false);
  entry.toast.action?.run();
}

/** The newest toast that offers an action (the `u` shortcut takes it). */
export function latestActionToast(): Toast | undefined {
  return [...snapshot].reverse().find((toast) => toast.action);
}

/** Starts or stops every toast's time when whether it runs changes; stopped, each keeps the time it has left. */
function retime(): void {
  const on = toasters > 0 && holds === 0 && !paused;
  if (on === running) return;
  running = on;
  for (const entry of entries.values()) {
    if (on) {
      run(entry);
    } else {
      clearTimeout(entry.timer);
      entry.remaining = Math.max(0, entry.remaining - (Date.now() - entry.startedAt));
    }
  }
}

/** While the user points at or focuses the toasts, their time stands still. */
export function pauseToasts(on: boolean): void {
  paused = on;
  retime();
}

/**
 * A modal dialog is open (components/dialog.tsx takes this for as long as it is): the page behind it, the toasts with
 * it, is inert. Their time stands still until the last one is released; the toasts marked unheard meanwhile are then
 * put on screen anew (a new `showing`, a new node in their live region), so that a screen reader reads them. The
 * function returned releases it (once, however often called).
 */
export function holdToasts(): () => void {
  holds += 1;
  retime();
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    holds -= 1;
    retime();
    if (holds > 0) return;
    let any = false;
    for (const entry of entries.values()) {
      if (!entry.unheard) continue;
      entry.unheard = false;
      entry.toast = { ...entry.toast, showing: entry.toast.showing + 1 };
      any = true;
    }
    if (any) changed();
  };
}

/**
 * The toaster put this toast on screen while a modal dialog hid it from screen readers: it is shown anew once the
 * last dialog is released (holdToasts). Not one that came as its dialog closed: it was read, and would be read twice.
 */
export function markToastUnheard(id: number): void {
  const entry = entries.get(id);
  if (entry && holds > 0) entry.unheard = true;
}

/** A <Toaster> shows the toasts from now on (their time runs, unless paused); the function returned: until now. */
export function registerToaster(): () => void {
  toasters += 1;
  retime();
  watchUnshown();
  return () => {
    // The last toaster gone under the pointer or the focus: its mouseleave or blur, which would end the pause, never comes.
    if (!--toasters) paused = false;
    retime();
    watchUnshown();
  };
}

/**
 * `listener` runs once toasts have waited `ms` with no toaster mounted: their time stands still then, and with it
 * whatever waits on it (a delete behind its Undo: tasks/delete-with-undo.ts). Pages without one: the not-found page,
 * the root error page, the session restore's. The wait starts when the last toaster goes (or a toast comes while none
 * is mounted) and ends when one mounts, so a change of layout's brief gap never counts. The function returned: no more.
 */
export function whenToastsUnshown(ms: number, listener: () => void): () => void {
  unshownWatchers.set(listener, { ms });
  watchUnshown();
  return () => {
    clearTimeout(unshownWatchers.get(listener)?.timer);
    unshownWatchers.delete(listener);
  };
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useToasts(): readonly Toast[] {
  return useSyncExternalStore(subscribe, () => snapshot, () => snapshot);
}

/** The toasts gone (all, or those about the account's data), none of their onExpire run. */
function clearToasts({ all }: { all: boolean }): void {
  for (const [id, entry] of entries) {
    if (all || !entry.keepAcrossAccounts) {
      clearTimeout(entry.timer);
      entries.delete(id);
    }
  }
  paused = false;
  retime();
  changed();
  watchUnshown();
}

// A toast is about the account's own data ("Deleted “Payroll notes”."): none outlives the account in this tab
// (sign-out, expiry, another account signing in), except those marked keepAcrossAccounts. What a sign-out itself
// says is shown after it.
onForgetAccountData(() => clearToasts({ all: false }));

/** Test hook. */
export function resetToastsForTests(): void {
  clearToasts({ all: true });
}
