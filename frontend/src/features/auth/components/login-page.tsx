import { Link, Navigate } from 'react-router';
import { FormAlert, SubmitButton, SuccessAlert } from '@/components/feedback';
import { TextField } from '@/components/field';
import { useForm } from '@/lib/use-form';
import { LoginInputSchema, useLogin } from '@/features/auth/api/login';
import { AuthLayout } from '@/features/auth/components/auth-layout';
import { useAfterSignIn } from '@/features/auth/hooks/use-after-sign-in';

const NOTICES: Record<string, string> = {
  'password-reset': 'Your password has been reset. Sign in with the new one.',
  expired: 'Your session has ended. Please sign in again.',
};

export function LoginPage() {
  const mutation = useLogin();
  const { params, session, next, goNext, alreadySignedIn } = useAfterSignIn(mutation);
  const form = useForm(LoginInputSchema, { email: '', password: '' }, (data) => mutation.mutate(data, { onSuccess: goNext }), mutation.error);

  if (alreadySignedIn) return <Navigate to={next} replace />;
  const notice = NOTICES[params.get('notice') ?? ''] ?? (session.status === 'anonymous' && session.reason === 'expired' ? NOTICES.expired : null);

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
        <FormAlert messages={form.formErrors} />
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
