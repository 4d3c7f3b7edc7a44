import { useEffect, useId } from 'react';
import { Link, Navigate } from 'react-router';
import { AuthLayout } from '@/components/auth-layout';
import { FormAlert, SubmitButton, SuccessAlert } from '@/components/feedback';
import { TextField } from '@/components/field';
import { focusPageHeading } from '@/components/page-heading';
import { ResendVerification } from '@/components/resend-verification';
import { useForm } from '@/lib/use-form';
import { RegisterInputSchema, useRegister } from '@/features/auth/api/register';
import { OidcSignIn } from '@/features/auth/components/oidc-sign-in';
import { useAfterSignIn } from '@/features/auth/hooks/use-after-sign-in';

/** The account exists but may not sign in before its address is verified (EMAIL_VERIFICATION=mandatory). */
function CheckInbox({ email }: { email: string }) {
  // The form is gone: the focus goes to the new heading, which a screen reader announces, with the message that
  // describes it (a live region mounted with its text, as this one is, is often not read).
  useEffect(() => focusPageHeading(), []);
  const messageId = useId();
  return (
    <AuthLayout
      title="Check your inbox"
      describedBy={messageId}
      footer={
        <p>
          Verified already? <Link to="/login">Sign in</Link>
        </p>
      }
    >
      <div className="stack auth__body">
        <SuccessAlert id={messageId}>
          Your account has been created. We sent a link to <bdi>{email}</bdi>: open it to verify your address, then sign in.
        </SuccessAlert>
        <p>Nothing arrived after a few minutes? Check your spam folder, or have the link sent again.</p>
        <ResendVerification email={email} />
      </div>
    </AuthLayout>
  );
}

export function RegisterPage() {
  const mutation = useRegister();
  const { next, goNext, alreadySignedIn } = useAfterSignIn(mutation);
  const form = useForm(
    RegisterInputSchema,
    { name: '', email: '', password: '' },
    (data) =>
      mutation.mutate(data, {
        onSuccess: (result) => {
          if (result.status === 'signed-in') goNext();
        },
      }),
    mutation.error,
  );

  if (mutation.data?.status === 'verification-required') return <CheckInbox email={mutation.data.user.email} />;
  if (alreadySignedIn) return <Navigate to={next} replace />;
  return (
    <AuthLayout
      title="Create your account"
      subtitle="Track your tasks and keep an eye on where you are signed in."
      footer={
        <p>
          Already have an account? <Link to="/login">Sign in</Link>
        </p>
      }
    >
      <div className="stack">
        <form className="stack" onSubmit={form.onSubmit} noValidate>
          <FormAlert messages={form.formErrors} />
          <TextField label="Name" autoComplete="name" {...form.bind('name')} errors={form.errors('name')} />
          <TextField label="Email" type="email" autoComplete="email" required {...form.bind('email')} errors={form.errors('email')} />
          <TextField
            label="Password"
            type="password"
            autoComplete="new-password"
            required
            hint="At least 8 characters; avoid common passwords."
            {...form.bind('password')}
            errors={form.errors('password')}
          />
          <SubmitButton pending={mutation.isPending} pendingLabel="Creating account…" block>
            Create account
          </SubmitButton>
        </form>
        {/* Or with a provider's account: the first sign-in with it creates this one. */}
        <OidcSignIn next={next} />
      </div>
    </AuthLayout>
  );
}
