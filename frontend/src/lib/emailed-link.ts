/**
 * The parameters of an emailed link (its token, and the reset link's uid), out of the address bar. The server puts
 * them in the link's fragment (`/verify-email#token=…`), which a browser never sends to any server: not in the
 * request line an ingress logs, nor as the Referer of the page's requests. Links sent before that carry them in the
 * query, and still work. A page the link opens moves them to this tab's storage (lib/tab-storage.ts) and replaces
 * the URL with the bare path, so the token does not stay in the address bar or the tab's history (on a shared
 * computer). A reload finds them in storage; the page forgets them once the server has
 * answered about the link (used, or refused as invalid or expired), keeping only what the answer was, so a reload
 * after it can say so instead of calling the link incomplete.
 */
import { useCallback, useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { readTabValue, writeTabValue } from '@/lib/tab-storage';

export type EmailedLinkPage = 'reset-password' | 'verify-email' | 'confirm-email-change';

type LinkValues<K extends string> = Record<K, string>;

/** The link's parameters as its fragment has them, else its query; null when neither has any (the bare path). */
function fromLink<K extends string>(where: { search: string; hash: string }, names: readonly K[]): LinkValues<K> | null {
  for (const part of [where.hash, where.search]) {
    const params = new URLSearchParams(part.replace(/^[#?]/, ''));
    if (names.some((name) => params.has(name))) {
      return Object.fromEntries(names.map((name) => [name, params.get(name) ?? ''])) as LinkValues<K>;
    }
  }
  return null;
}

/** `part` (a search or a hash, with its `?` or `#`) without the link's names; untouched when it holds none. */
function withoutLink(part: string, names: readonly string[], mark: '?' | '#'): string {
  const params = new URLSearchParams(part.replace(/^[#?]/, ''));
  if (!names.some((name) => params.has(name))) return part;
  names.forEach((name) => params.delete(name));
  const rest = params.toString();
  return rest ? `${mark}${rest}` : '';
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
 * `names` of the link that opened `page`: from its fragment or query when it has them (then stored, and taken out
 * of the URL), else from this tab's storage (a reload). They stay as read for the life of the page, after `forget()`
 * too: `forget(answer)` only drops the stored copy, once the link is used or refused, and keeps `answer` (e.g.
 * 'used', or the code it was refused with) instead. `answered` is that answer when the page opened without the
 * link in its URL and this tab had kept one: a reload after the link was answered. `arrival` tells one opening of
 * the link from another ('' for values read back from storage). (One per page and tab, as the
 * token is: after two links opened in one tab, going Back to the first one's page shows the second one's answer.)
 */
export function useEmailedLink<K extends string>(page: EmailedLinkPage, names: readonly K[]) {
  const location = useLocation();
  const navigate = useNavigate();
  const inLink = fromLink(location, names);
  const [held, setHeld] = useState<LinkValues<K>>(() => inLink ?? fromStorage(page, names));
  // How many times a link arrived in the URL of this page: one opened again in this tab is a new arrival, even with
  // the same values (only its fragment changes the URL, so the document is not loaded again), and the page sends it
  // anew. The URL holds a link only until the effect below takes it out, so each arrival shows as the URL going from
  // no link to a link. (Not the history entry's key: a fragment navigation's is "default", as a first load's is.)
  const [arrivals, setArrivals] = useState(() => (inLink ? 1 : 0));
  const [hadLink, setHadLink] = useState(inLink !== null);
  const [answered, setAnswered] = useState(() => (inLink ? null : answerFromStorage(page)));
  if ((inLink !== null) !== hadLink) setHadLink(inLink !== null);
  // A link opened in this page (the URL changed while it was shown): its values from now on, and no answer about an
  // earlier one.
  if (inLink && (!hadLink || !sameValues(inLink, held, names))) {
    setHeld(inLink);
    setArrivals((count) => count + 1);
    setAnswered(null);
  }
  const arrival = inLink || arrivals ? String(arrivals) : '';
  const linked = inLink ? JSON.stringify(inLink) : null;

  useEffect(() => {
    if (linked === null) return;
    writeTabValue(`link:${page}`, linked);
    navigate(
      { pathname: location.pathname, search: withoutLink(location.search, names, '?'), hash: withoutLink(location.hash, names, '#') },
      { replace: true, state: location.state },
    );
    // Once per link: the names are the page's constant, the location is the one the link was read from.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [page, linked]);

  const forget = useCallback(
    (answer?: string) => writeTabValue(`link:${page}`, answer ? JSON.stringify({ answered: answer }) : null),
    [page],
  );
  return { values: inLink ?? held, forget, answered: inLink ? null : answered, arrival };
}
