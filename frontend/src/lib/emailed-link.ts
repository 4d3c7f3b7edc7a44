/**
 * The parameters of an emailed link (its token, and the reset link's uid), out of the address bar: a page the
 * link opens moves them from the query to this tab's storage (lib/tab-storage.ts) and replaces the URL with the
 * bare path, so the token does not stay in the browser's history (on a shared computer) nor go out as the
 * Referer of the page's requests. A reload finds them in storage; the page forgets them once the server has
 * answered about the link (used, or refused as invalid or expired), keeping only what the answer was, so a reload
 * after it can say so instead of calling the link incomplete.
 */
import { useCallback, useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { readTabValue, writeTabValue } from '@/lib/tab-storage';

export type EmailedLinkPage = 'reset-password' | 'verify-email' | 'confirm-email-change';

type LinkValues<K extends string> = Record<K, string>;

/** The link's parameters as the query has them; null when it has none of them (the bare path). */
function fromQuery<K extends string>(search: string, names: readonly K[]): LinkValues<K> | null {
  const params = new URLSearchParams(search);
  if (!names.some((name) => params.has(name))) return null;
  return Object.fromEntries(names.map((name) => [name, params.get(name) ?? ''])) as LinkValues<K>;
}

/** The link's parameters as this tab stored them; '' for each one it does not hold. */
function fromStorage<K extends string>(page: EmailedLinkPage, names: readonly K[]): LinkValues<K> {
  let stored: unknown = null;
  try {
    stored = JSON.parse(readTabValue(`link:${page}`) ?? 'null');
  } catch {
    // Something unreadable: as if nothing was stored.
  }
  const record = stored !== null && typeof stored === 'object' ? (stored as Record<string, unknown>) : {};
  return Object.fromEntries(names.map((name) => [name, typeof record[name] === 'string' ? record[name] : ''])) as LinkValues<K>;
}

/** What the server answered about the link this tab last held for `page`, once it did: see `forget`. */
function answerFromStorage(page: EmailedLinkPage): string | null {
  try {
    const stored: unknown = JSON.parse(readTabValue(`link:${page}`) ?? 'null');
    const answer = stored !== null && typeof stored === 'object' ? (stored as Record<string, unknown>).answered : null;
    return typeof answer === 'string' ? answer : null;
  } catch {
    return null;
  }
}

function sameValues<K extends string>(a: LinkValues<K>, b: LinkValues<K>, names: readonly K[]): boolean {
  return names.every((name) => a[name] === b[name]);
}

/**
 * `names` of the link that opened `page`: from the query when it has them (then stored, and taken out of the
 * URL), else from this tab's storage (a reload). They stay as read for the life of the page, after `forget()`
 * too: `forget(answer)` only drops the stored copy, once the link is used or refused, and keeps `answer` (e.g.
 * 'used', or the code it was refused with) instead. `answered` is that answer when the page opened without the
 * link in its query and this tab had kept one: a reload after the link was answered. (One per page and tab, as the
 * token is: after two links opened in one tab, going Back to the first one's page shows the second one's answer.)
 */
export function useEmailedLink<K extends string>(page: EmailedLinkPage, names: readonly K[]) {
  const location = useLocation();
  const navigate = useNavigate();
  const inQuery = fromQuery(location.search, names);
  const [held, setHeld] = useState<LinkValues<K>>(() => inQuery ?? fromStorage(page, names));
  const [answered, setAnswered] = useState(() => (inQuery ? null : answerFromStorage(page)));
  // A new link opened in this page (the query changed while it was shown): its values from now on, and no answer
  // about an earlier one.
  if (inQuery && !sameValues(inQuery, held, names)) {
    setHeld(inQuery);
    setAnswered(null);
  }
  const queried = inQuery ? JSON.stringify(inQuery) : null;

  useEffect(() => {
    if (queried === null) return;
    writeTabValue(`link:${page}`, queried);
    const rest = new URLSearchParams(location.search);
    names.forEach((name) => rest.delete(name));
    const search = rest.toString();
    // Replaced before any request of the page is sent (this effect runs first): none has the token as its Referer.
    navigate({ pathname: location.pathname, search: search ? `?${search}` : '', hash: location.hash }, { replace: true, state: location.state });
    // Once per link: the names are the page's constant, the location is the one the query was read from.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [page, queried]);

  const forget = useCallback(
    (answer?: string) => writeTabValue(`link:${page}`, answer ? JSON.stringify({ answered: answer }) : null),
    [page],
  );
  return { values: inQuery ?? held, forget, answered: inQuery ? null : answered };
}
