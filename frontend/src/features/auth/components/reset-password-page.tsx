import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { FormAlert, SubmitButton } from '@/components/feedback';
import { TextField } from '@/components/field';
import { ApiError } from '@/lib/api-error';
import { useEmailedLink } from '@/lib/emailed-link';
import { sessionsRevoked } from '@/lib/session';
import { readTabValue, writeTabValue } from '@/lib/tab-storage';
import { useForm } from '@/lib/use-form';
import { PasswordResetConfirmSchema, useConfirmPasswordReset } from '@/features/auth/api/confirm-password-reset';
import { AuthLayout } from '@/components/auth-layout';

const LINK = ['uid', 'token'] as const;

/** The server refused the link itself (invalid, expired or used): a 400 about uid or token. */
function refusesLink(error: unknown): boolean {
  return error instanceof ApiError && error.status === 400 && ('uid' in error.fieldErrors || 'token' in error.fieldErrors);
}

/**
 * The page the reset email links to: /reset-password#uid=…&token=… (older links: ?uid=…&token=…). The uid and token
 * leave the address bar at once, kept in this tab's storage until the reset is done or the link refused
 * (lib/emailed-link.ts).
 */
export function ResetPasswordPage() {
  const { values, forget, arrival } = useEmailedLink('reset-password', LINK);
  // The address, when the reset was asked for from this tab (the link has none): for password managers, below.
  const [email] = useState(() => readTabValue('reset-email'));

  return (
    <AuthLayout title="Choose a new password" footer={<p><Link to="/forgot-password">Request a new link</Link></p>}>
      {!values.uid || !values.token ? (
        <FormAlert messages={['This reset link is incomplete. Open the link from the email again, or request a new one.']} />
      ) : (
        // One form per opening of a link: another link opened in this tab (a newer email's) starts a form of its own,
        // which sends its uid and token, without the earlier link's refusal or an answer still on its way about it.
        <ResetPasswordForm key={`${arrival}:${values.uid}:${values.token}`} uid={values.uid} token={values.token} email={email} forget={forget} />
      )}
    </AuthLayout>
  );
}

function ResetPasswordForm({ uid, token, email, forget }: { uid: string; token: string; email: string | null; forget: () => void }) {
  const navigate = useNavigate();
  const mutation = useConfirmPasswordReset();
  const linkRefused = refusesLink(mutation.error);
  useEffect(() => {
    if (linkRefused) forget();
  }, [linkRefused, forget]);
  const form = useForm(PasswordResetConfirmSchema, { uid, token, new_password: '', confirm: '' }, (data) =>
    mutation.mutate(data, {
      onSuccess: () => {
        forget();
        writeTabValue('reset-email', null);
        sessionsRevoked(); // the server revoked every session: this tab's and the other tabs'
        navigate('/login?notice=password-reset', { replace: true });
      },
    }),
  mutation.error);
  const linkBroken = Boolean(form.errors('uid') || form.errors('token'));

  return (
    <form className="stack" onSubmit={form.onSubmit} noValidate>
      <FormAlert messages={linkBroken ? ['This reset link is invalid, expired or already used. Request a new one below.'] : form.formErrors} />
      {/* The account the new password belongs to, for password managers (as on the change-password form): hidden and
          read-only, nothing to fill. Left out when this page does not know the address. */}
      {email ? <input type="email" name="username" autoComplete="username" value={email} readOnly hidden /> : null}
      <TextField label="New password" type="password" autoComplete="new-password" required {...form.bind('new_password')} errors={form.errors('new_password')} />
      <TextField label="Confirm new password" type="password" autoComplete="new-password" required {...form.bind('confirm')} errors={form.errors('confirm')} />
      <SubmitButton pending={mutation.isPending} pendingLabel="Saving…" block>
        Set new password
      </SubmitButton>
    </form>
  );
}
