import { useEffect } from 'react';
import { useEmailedLink } from '@/lib/emailed-link';
import { linkCode } from '@/features/email/components/link-outcome';
import { useSingleUseLink } from '@/lib/use-single-use-link';

const TOKEN = ['token'] as const;

/** What a reload of the page finds when the link it had was used (`answeredEarlier`; else the code it was refused with). */
export const LINK_USED = 'used';

/**
 * The token of the emailed link that opened the page (out of the address bar, kept in this tab's storage for a
 * reload: lib/emailed-link.ts), sent once (useSingleUseLink). Once the server has answered about the link (used
 * it, or refused it: expired, invalid, …) the stored copy goes and only the answer stays: LINK_USED or the code,
 * which a reload of the page gets as `answeredEarlier` (with no token to send). A failure that did not use it
 * (offline, a 5xx) keeps it, for "Try again" or a reload.
 */
export function useLinkToken<T>(action: 'verify-email' | 'confirm-email-change', send: (token: string) => Promise<T>) {
  const { values, forget, answered, arrival } = useEmailedLink(action, TOKEN);
  const { state, retry } = useSingleUseLink(action, values.token, send, arrival);
  const answer = state.status === 'success' ? LINK_USED : state.status === 'error' ? linkCode(state.error) : null;
  useEffect(() => {
    if (answer) forget(answer);
  }, [answer, forget]);
  return { token: values.token, state, retry, answeredEarlier: values.token ? null : answered };
}
