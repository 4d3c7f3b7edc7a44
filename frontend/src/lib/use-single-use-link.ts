import { useCallback, useEffect, useState } from 'react';

/**
 * Emailed links carry a single-use token, and an OpenID Connect provider's redirect a single-use code: it must be
 * sent once, not once per effect run (React's StrictMode mounts twice in development) nor again when the page
 * re-renders. The request is kept per action and token for the life of the tab, and every mount of the page reads
 * the same one. (Not a query: signing in clears the query cache, which would send the code again.)
 */
const sent = new Map<string, Promise<unknown>>();

function sendOnce<T>(key: string, send: () => Promise<T>): Promise<T> {
  let request = sent.get(key) as Promise<T> | undefined;
  if (!request) {
    request = send();
    sent.set(key, request);
  }
  return request;
}

export type LinkState<T> = { status: 'pending' } | { status: 'success'; data: T } | { status: 'error'; error: unknown };

/**
 * Sends `token` with `send` once per `arrival` (one opening of the link: lib/emailed-link.ts), and says how it went.
 * `retry` sends it again: only for failures that did not use the token up (offline, a server error), never after
 * an answer about the link.
 */
export function useSingleUseLink<T>(action: string, token: string, send: (token: string) => Promise<T>, arrival = '') {
  const key = `${action}:${token}:${arrival}`;
  const [state, setState] = useState<{ key: string; attempt: number; result: LinkState<T> }>({ key, attempt: 0, result: { status: 'pending' } });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (!token) return;
    let current = true;
    sendOnce(key, () => send(token)).then(
      (data) => current && setState({ key, attempt, result: { status: 'success', data } }),
      (error: unknown) => current && setState({ key, attempt, result: { status: 'error', error } }),
    );
    return () => {
      current = false;
    };
    // `send` is the same function for a given action; the key and the attempt decide.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, attempt]);

  const retry = useCallback(() => {
    sent.delete(key);
    setAttempt((count) => count + 1);
  }, [key]);

  const result: LinkState<T> = state.key === key && state.attempt === attempt ? state.result : { status: 'pending' };
  return { state: result, retry };
}

/** Test hook: forget every request sent. */
export function resetSingleUseLinksForTests(): void {
  sent.clear();
}
