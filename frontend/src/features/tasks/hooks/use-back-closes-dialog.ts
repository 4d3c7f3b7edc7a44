import { useEffect, useId, useLayoutEffect, useRef } from 'react';

/** The key of the history-entry state that marks a dialog's own entry (the router's own keys are kept beside it). */
const MARK = 'sadDialog';

function entryMark(): unknown {
  const state: unknown = window.history.state;
  return state && typeof state === 'object' ? (state as Record<string, unknown>)[MARK] : undefined;
}

/**
 * The browser's Back button (Android's too, where it is how dialogs are closed) acts on the open dialog instead of
 * leaving the page with it: the router is the declarative one (no `useBlocker`, which needs the data router), so the
 * dialog puts a history entry of its own on top, same URL, marked in its state. Back takes the history off that entry;
 * `onBack` then says whether the dialog stays open (it asks first, e.g. changes not saved: the entry comes back, so
 * the next Back asks again) or closes. Closed any other way (Cancel, Escape, saved), the dialog takes its entry away
 * again, so Back afterwards leaves the page as it would have, and the history does not grow with each dialog.
 * A Back that leaves the page's URL (several entries at once) is let go.
 */
export function useBackClosesDialog(onBack: () => 'stay' | 'close'): void {
  const id = useId();
  const latest = useRef(onBack);
  useLayoutEffect(() => {
    latest.current = onBack;
  });
  const mounted = useRef(false);

  useEffect(() => {
    mounted.current = true;
    const url = window.location.href;
    const push = () => window.history.pushState({ ...(window.history.state as object | null), [MARK]: id }, '');
    // Already there: StrictMode's second mount of the same dialog.
    if (entryMark() !== id) push();
    const onPopState = () => {
      if (entryMark() === id || window.location.href !== url) return;
      if (latest.current() === 'stay') push();
    };
    window.addEventListener('popstate', onPopState);
    return () => {
      mounted.current = false;
      window.removeEventListener('popstate', onPopState);
      // After the commit: StrictMode mounts the dialog again at once, keeping its entry. Else, still on the dialog's
      // entry (not left by Back, nor replaced by a navigation, e.g. to the sign-in page), the dialog takes it away.
      queueMicrotask(() => {
        if (!mounted.current && entryMark() === id) window.history.back();
      });
    };
  }, [id]);
}
