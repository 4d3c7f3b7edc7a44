import { useEffect } from 'react';
import { useEmailedLink } from '@/lib/emailed-link';
import { linkCode } from '@/features/email/components/link-outcome';
import { useSingleUseLink } from '@/features/email/hooks/use-single-use-link';

const TOKEN = ['token'] as const;

/**
 * The token of the emailed link that opened the page (out of the address bar, kept in this tab's storage for a
 * reload: lib/emailed-link.ts), sent once (useSingleUseLink). Once the server has answered about the link (used
 * it, or refused it: expired, invalid, …) the stored copy goes; a failure that did not use it (offline, a 5xx)
 * keeps it, for "Try again" or a reload.
 */
export function useLinkToken<T>(action: 'verify-email' | 'confirm-email-change', send: (token: string) => Promise<T>) {
  const { values, forget } = useEmailedLink(action, TOKEN);
  const { state, retry } = useSingleUseLink(action, values.token, send);
  const answered = state.status === 'success' || (state.status === 'error' && linkCode(state.error) !== null);
  useEffect(() => {
    if (answered) forget();
  }, [answered, forget]);
  return { token: values.token, state, retry };
}
