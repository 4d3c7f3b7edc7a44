import { type ReactNode, useEffect } from 'react';
import { Link } from 'react-router';
import { FormAlert, Spinner, SubmitButton, SuccessAlert } from '@/components/feedback';
import { TextField } from '@/components/field';
import { resendErrorMessage } from '@/components/resend-verification';
import type { ErrorCode } from '@/lib/api-error';
import { useResendVerification } from '@/lib/resend-verification';
import { emailAddressSchema } from '@/lib/email-address';
import { updateSessionUser, useSession } from '@/lib/session';
import { useForm } from '@/lib/use-form';
import { z } from '@/lib/zod';
import { type EmailVerified, verifyEmail } from '@/features/email/api/verify-email';
import { ContinueLink, LinkPage, LinkRequestFailed } from '@/features/email/components/link-outcome';
import { useRedeemLinkToken } from '@/features/email/hooks/use-redeem-link-token';
import { LINK_USED, linkCode } from '@/features/email/link-answer';

const ResendSchema = z.object({ email: emailAddressSchema() });

/** Ask for a new link, to the address typed here (an expired or broken link does not say which). */
function ResendForm({ intro }: { intro: string }) {
  const mutation = useResendVerification();
  const form = useForm(ResendSchema, { email: '' }, ({ email }) => mutation.mutate(email), mutation.error);
  const messages = mutation.isError ? [resendErrorMessage(mutation.error)] : form.formErrors;
  return (
    <div className="stack">
      <p>{intro}</p>
      <SuccessAlert>
        {mutation.isSuccess ? (
          <>
            If <bdi>{mutation.variables}</bdi> still needs verifying, a new link is on its way to it.
          </>
        ) : null}
      </SuccessAlert>
      <form className="stack" onSubmit={form.onSubmit} noValidate aria-label="Send a new verification link">
        <FormAlert messages={messages} />
        <TextField label="Email" type="email" autoComplete="email" required {...form.bind('email')} errors={form.errors('email')} />
        <SubmitButton pending={mutation.isPending} pendingLabel="Sending…" block>
          Send a new link
        </SubmitButton>
      </form>
    </div>
  );
}

/** Signed in as the account just verified: what this tab shows of it says so at once. */
function useMarkVerified(result: EmailVerified | null) {
  const session = useSession();
  useEffect(() => {
    if (!result || session.status !== 'authenticated') return;
    if (session.user.email.toLowerCase() === result.email.toLowerCase() && !session.user.email_verified) {
      updateSessionUser({ ...session.user, email_verified: true });
    }
  }, [result, session]);
}

/**
 * The page the verification email links to: /verify-email#token=… (older links: ?token=…), signed in or not
 * (backend/accounts/emails/links.py).
 */
export function VerifyEmailPage() {
  const { token, state, retry, answeredEarlier } = useRedeemLinkToken('verify-email', verifyEmail);
  useMarkVerified(state.status === 'success' ? state.data : null);

  let title = 'Verifying your email';
  let success: ReactNode = null;
  let problem: string | null = null;
  let body: ReactNode = null;
  // A reload after the server answered about the link: what it answered, as if it had just done so.
  const code = state.status === 'error' ? linkCode(state.error) : answeredEarlier;
  if (code === LINK_USED) {
    title = 'This link has been used';
    body = (
      <div className="stack">
        <p>This tab opened it already, and a link works once. If your address is verified, there is nothing left to do.</p>
        <ContinueLink />
      </div>
    );
  } else if (!token && code === null) {
    title = 'Verify your email';
    problem = 'This link is incomplete. Open the link from the email again, or ask for a new one below.';
    body = <ResendForm intro="Enter your address and we will email you a new link." />;
  } else if (state.status === 'pending' && code === null) {
    body = <Spinner label="Checking the link…" />;
  } else if (state.status === 'success') {
    title = 'Email verified';
    success = (
      <>
        <bdi>{state.data.email}</bdi> is verified. Thank you.
      </>
    );
    body = <ContinueLink />;
  } else if (
    // `code` may be a reload's stored answer (a plain string): `satisfies` still checks the literal against the codes.
    code === ('link_expired' satisfies ErrorCode)
  ) {
    title = 'This link has expired';
    problem = 'Verification links work for a limited time, and this one has run out.';
    body = <ResendForm intro="Enter your address and we will email you a new link." />;
  } else if (code !== null) {
    title = 'This link does not work';
    problem =
      'This verification link is invalid or has already been used. If your address is verified already, there is nothing left to do.';
    body = <ResendForm intro="Otherwise, enter your address and we will email you a new link." />;
  } else {
    title = 'Verify your email';
    body = state.status === 'error' ? <LinkRequestFailed error={state.error} onRetry={retry} /> : null;
  }

  return (
    <LinkPage title={title} footer={success ? null : <p><Link to="/login">Back to sign in</Link></p>} success={success} problem={problem}>
      {body}
    </LinkPage>
  );
}
