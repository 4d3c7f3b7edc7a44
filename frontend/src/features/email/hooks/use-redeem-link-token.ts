import { useEffect } from 'react';
import { useEmailedLink } from '@/lib/emailed-link';
import { useSingleUseLink } from '@/lib/use-single-use-link';
import { LINK_USED, linkCode } from '@/features/email/link-answer';

const TOKEN = ['token'] as const;

/**
 * Redeems the emailed link that opened the page: POSTs its single-use token with `send`, once per opening of the
 * link (useSingleUseLink), and says how it went. The token is out of the address bar, kept in this tab's storage for
 * a reload (lib/emailed-link.ts). Once the server has answered about the link (used it, or refused it: expired,
 * invalid, …) the stored copy goes and only the answer stays: LINK_USED or the code, which a reload of the page gets
 * as `answeredEarlier` (with no token to send). A failure that did not use it (offline, a 5xx) keeps it, for
 * "Try again" or a reload.
 */
export function useRedeemLinkToken<T>(action: 'verify-email' | 'confirm-email-change', send: (token: string) => Promise<T>) {
  const { values, forget, answered, arrival } = useEmailedLink(action, TOKEN);
  const { state, retry } = useSingleUseLink(action, values.token, send, arrival);
  const answer = state.status === 'success' ? LINK_USED : state.status === 'error' ? linkCode(state.error) : null;
  useEffect(() => {
    if (answer) forget(answer);
  }, [answer, forget]);
  return { token: values.token, state, retry, answeredEarlier: values.token ? null : answered };
}
