import { useEffect, useMemo, useState } from 'react';

/** How long a request may run before a dialog that waits for it lets the user leave anyway. */
export const STALLED_AFTER_MS = 15_000;

/**
 * Whether `pending` has lasted `afterMs`. Dialogs refuse to close while their request runs (closing would only
 * hide its outcome), but a request can hang (a proxy that never answers, a phone between networks): past this,
 * they let the user go, saying the change may still happen.
 */
export function useStalled(pending: boolean, afterMs: number = STALLED_AFTER_MS): boolean {
  // One token per spell of pending, so a timer of an earlier spell never marks a later one.
  const spell = useMemo(() => (pending ? {} : null), [pending]);
  const [stalledSpell, setStalledSpell] = useState<object | null>(null);
  useEffect(() => {
    if (!spell) return undefined;
    const timer = setTimeout(() => setStalledSpell(spell), afterMs);
    return () => clearTimeout(timer);
  }, [spell, afterMs]);
  return spell !== null && stalledSpell === spell;
}
