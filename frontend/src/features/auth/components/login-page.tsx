import { Link, Navigate } from 'react-router';
import { AuthLayout } from '@/components/auth-layout';
import { FormAlert, SubmitButton, SuccessAlert } from '@/components/feedback';
import { TextField } from '@/components/field';
import { ResendVerification } from '@/components/resend-verification';
import { ApiError } from '@/lib/api-error';
import { formatWait } from '@/lib/format';
import { useForm } from '@/lib/use-form';
import { LoginInputSchema, useLogin } from '@/features/auth/api/login';
import { useAfterSignIn } from '@/features/auth/hooks/use-after-sign-in';

const NOTICES: Record<string, string> = {
  'password-reset': 'Your password has been reset. Sign in with the new one.',
  expired: 'Your session has ended. Please sign in again.',
};

/** A refusal that needs more than its sentence: what it means, and the way forward next to it. */
function refusal(error: unknown): { code: 'email_not_verified' | 'login_locked'; message: string } | null {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 403 && error.code === 'email_not_verified') {
    return {
      code: error.code,
      message: 'Your email address is not verified yet. Open the link we emailed you when you signed up, then sign in. Lost it, or has it expired? Have it sent again.',
    };
  }
  if (error.status === 429 && error.code === 'login_locked') {
    const wait = error.retryAfter;
    return {
      code: error.code,
      message: `Too many failed attempts to sign in to this account: it is locked on this device for now. ${
        wait ? `Try again in ${formatWait(wait)}` : 'Try again later'
      }, or reset your password to sign in at once.`,
    };
  }
  return null;
}

export function LoginPage() {
  const mutation = useLogin();
  const { params, session, next, goNext, alreadySignedIn } = useAfterSignIn(mutation);
  const form = useForm(LoginInputSchema, { email: '', password: '' }, (data) => mutation.mutate(data, { onSuccess: goNext }), mutation.error);

  if (alreadySignedIn) return <Navigate to={next} replace />;
  const notice = NOTICES[params.get('notice') ?? ''] ?? (session.status === 'anonymous' && session.reason === 'expired' ? NOTICES.expired : null);
  const refused = refusal(mutation.error);

  return (
    <AuthLayout
      title="Sign in"
      subtitle="Welcome back. Sign in to see your tasks."
      footer={
        <p>
          New here? <Link to={`/register${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`}>Create an account</Link>
        </p>
      }
    >
      <SuccessAlert>{notice}</SuccessAlert>
      <form className="stack" onSubmit={form.onSubmit} noValidate>
        <FormAlert messages={refused ? [refused.message] : form.formErrors} />
        {refused?.code === 'email_not_verified' && mutation.variables ? (
          <ResendVerification email={mutation.variables.email} label="Resend the link" />
        ) : null}
        {refused?.code === 'login_locked' ? (
          <p>
            <Link to="/forgot-password">Reset your password</Link>
          </p>
        ) : null}
        <TextField label="Email" type="email" autoComplete="email" required {...form.bind('email')} errors={form.errors('email')} />
        <TextField label="Password" type="password" autoComplete="current-password" required {...form.bind('password')} errors={form.errors('password')} />
        <div className="row row--between">
          <Link to="/forgot-password">Forgot your password?</Link>
        </div>
        <SubmitButton pending={mutation.isPending} pendingLabel="Signing in…" block>
          Sign in
        </SubmitButton>
      </form>
    </AuthLayout>
  );
}
