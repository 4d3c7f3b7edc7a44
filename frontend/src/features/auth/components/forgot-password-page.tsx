import { useLayoutEffect } from 'react';
import { Link } from 'react-router';
import { FormAlert, SubmitButton, SuccessAlert } from '@/components/feedback';
import { TextField } from '@/components/field';
import { focusPageHeading } from '@/components/page-heading';
import { writeTabValue } from '@/lib/tab-storage';
import { useForm } from '@/lib/use-form';
import { PasswordResetInputSchema, useRequestPasswordReset } from '@/features/auth/api/request-password-reset';
import { AuthLayout } from '@/components/auth-layout';

export function ForgotPasswordPage() {
  const mutation = useRequestPasswordReset();
  const form = useForm(
    PasswordResetInputSchema,
    { email: '' },
    (data) => mutation.mutate(data, { onSuccess: () => writeTabValue('reset-email', data.email) }),
    mutation.error,
  );
  const sent = mutation.isSuccess;
  // Sent: the form goes, and with it the focused button. The focus goes to the new heading (as on
  // registration's "Check your inbox"), in the commit that removes the form, so it never drops to <body>;
  // the message follows in its polite live region.
  useLayoutEffect(() => {
    if (sent) focusPageHeading();
  }, [sent]);
  return (
    <AuthLayout
      title={sent ? 'Check your inbox' : 'Reset your password'}
      subtitle={sent ? undefined : 'Enter your email address and we will send you a link to choose a new password.'}
      footer={
        <p>
          Remembered it? <Link to="/login">Back to sign in</Link>
        </p>
      }
    >
      <SuccessAlert>
        {sent ? <>If an account exists for <bdi>{form.values.email}</bdi>, an email with a reset link is on its way.</> : null}
      </SuccessAlert>
      {sent ? null : (
        <form className="stack" onSubmit={form.onSubmit} noValidate>
          <FormAlert messages={form.formErrors} />
          <TextField label="Email" type="email" autoComplete="email" required {...form.bind('email')} errors={form.errors('email')} />
          <SubmitButton pending={mutation.isPending} pendingLabel="Sending…" block>
            Send reset link
          </SubmitButton>
        </form>
      )}
    </AuthLayout>
  );
}
