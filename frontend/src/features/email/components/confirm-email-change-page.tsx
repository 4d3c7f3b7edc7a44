import { type ReactNode, useEffect } from 'react';
import { Link } from 'react-router';
import { Spinner } from '@/components/feedback';
import { updateSessionUser, useSession } from '@/lib/session';
import type { User } from '@/types/user';
import { useConfirmEmailChange } from '@/features/email/api/confirm-email-change';
import { ContinueLink, LinkPage, LinkRequestFailed } from '@/features/email/components/link-outcome';
import { useRedeemLinkToken } from '@/features/email/hooks/use-redeem-link-token';
import { LINK_USED, linkCode } from '@/features/email/link-answer';

const PROBLEMS: Record<string, { title: string; message: string }> = {
  link_expired: {
    title: 'This link has expired',
    message: 'Links to confirm a new address work for a limited time. Your address has not changed: ask for the change again from your account page.',
  },
  email_taken: {
    title: 'That address is taken',
    message: 'Another account uses this address now, so yours has not changed. Choose another address from your account page.',
  },
};
const INVALID = {
  title: 'This link does not work',
  message:
    'This link is invalid, has already been used, or was cancelled: a password change, or signing out the device that asked, cancels a pending change. If you have confirmed the change already, sign in with your new address; otherwise ask for the change again from your account page.',
};

/** Signed in as the account that changed: what this tab shows of it follows at once. */
function useFollowChange(changed: User | null) {
  const session = useSession();
  useEffect(() => {
    if (changed && session.status === 'authenticated' && session.user.id === changed.id && session.user !== changed) {
      updateSessionUser(changed);
    }
  }, [changed, session]);
}

/**
 * The page the email-change email links to: /confirm-email-change#token=… (older links: ?token=…), signed in or not
 * (backend/accounts/emails/links.py).
 */
export function ConfirmEmailChangePage() {
  const { token, state, retry, answeredEarlier } = useRedeemLinkToken('confirm-email-change', useConfirmEmailChange());
  useFollowChange(state.status === 'success' ? state.data : null);

  let title = 'Confirming your new email';
  let success: ReactNode = null;
  let problem: string | null = null;
  let body: ReactNode = null;
  // A reload after the server answered about the link: what it answered, as if it had just done so.
  const code = state.status === 'error' ? linkCode(state.error) : answeredEarlier;
  if (code === LINK_USED) {
    title = 'This link has been used';
    body = (
      <div className="stack">
        <p>This tab opened it already, and a link works once. If the change went through, sign in with your new address from now on.</p>
        <ContinueLink />
      </div>
    );
  } else if (!token && code === null) {
    title = 'Confirm your new email';
    problem = 'This link is incomplete. Open the link from the email again.';
  } else if (state.status === 'pending' && code === null) {
    body = <Spinner label="Checking the link…" />;
  } else if (state.status === 'success') {
    title = 'Email changed';
    success = (
      <>
        Your email is now <bdi>{state.data.email}</bdi>. Use it to sign in from now on.
      </>
    );
    body = <ContinueLink />;
  } else if (code === null) {
    title = 'Confirm your new email';
    body = state.status === 'error' ? <LinkRequestFailed error={state.error} onRetry={retry} /> : null;
  } else {
    ({ title, message: problem } = PROBLEMS[code] ?? INVALID);
  }

  const footer = success ? null : (
    <p>
      <Link to="/account">Your account</Link> · <Link to="/login">Sign in</Link>
    </p>
  );
  return (
    <LinkPage title={title} footer={footer} success={success} problem={problem}>
      {body}
    </LinkPage>
  );
}
