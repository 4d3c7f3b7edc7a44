import { type RefObject, useCallback, useEffect, useRef } from 'react';

/** What marks a row's control, the row's id its value: <button data-removal-focus={id}>. */
const REMOVAL_FOCUS = 'data-removal-focus';

/** Nothing useful has the focus: <body>, or the main region where a closing dialog sends it when its opener is gone. */
function focusIsLost(): boolean {
  const active = document.activeElement;
  return !active || active === document.body || active.id === 'main' || !active.isConnected;
}

function controlOf(list: HTMLElement | null, id: string): HTMLElement | undefined {
  return [...(list?.querySelectorAll<HTMLElement>(`[${REMOVAL_FOCUS}]`) ?? [])].find((control) => control.getAttribute(REMOVAL_FOCUS) === id);
}

/**
 * Where the focus goes when a row is removed by its own control (Delete, Revoke, Turn off…): that control goes with
 * it, and the focus with it (to <body>; or to #main, where the confirmation dialog returns it when its opener is
 * already gone), so a keyboard or screen-reader user would start again from the top of the page. It goes instead
 * to the next row's control (the element inside `list` marked `data-removal-focus={id}`), else the nearest previous
 * row's, else `fallback` (the card's heading, tabIndex -1).
 *
 * Call the function returned when the removal is asked for, with the row's id. The focus moves once `ids` lacks the
 * row and `held` (the confirmation dialog still open) is over: the list is refetched and the dialog closed in
 * either order, and a dialog gives the focus back to its opener (still there or not) when it closes, before this.
 * Only when the focus is lost: if the user went on elsewhere meanwhile, it stays there. A removal asked for and then
 * cancelled needs no undoing: its row stays, and should it go later (removed elsewhere), the focus lands as above.
 */
export function useFocusAfterRemoval(
  ids: readonly string[],
  { list, fallback, held }: { list?: RefObject<HTMLElement | null>; fallback: RefObject<HTMLElement | null>; held: boolean },
): (id: string) => void {
  const removing = useRef<string | null>(null);
  // The rows as they were while the one being removed was still there: its neighbours are looked up in it.
  const before = useRef<readonly string[]>([]);
  const key = JSON.stringify(ids);
  useEffect(() => {
    const current = JSON.parse(key) as string[];
    const id = removing.current;
    if (id !== null && !current.includes(id)) {
      if (held) return;
      removing.current = null;
      const at = before.current.indexOf(id);
      const next = before.current.slice(at + 1);
      const previous = before.current.slice(0, Math.max(at, 0)).reverse();
      const target = [...next, ...previous].filter((other) => current.includes(other)).map((other) => controlOf(list?.current ?? null, other)).find(Boolean);
      if (focusIsLost()) (target ?? fallback.current)?.focus();
    }
    before.current = current;
  }, [key, held, list, fallback]);
  return useCallback((id: string) => {
    removing.current = id;
  }, []);
}
