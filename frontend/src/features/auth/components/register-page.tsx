import { Link, Navigate } from 'react-router';
import { FormAlert, SubmitButton } from '@/components/feedback';
import { TextField } from '@/components/field';
import { useForm } from '@/lib/use-form';
import { RegisterInputSchema, useRegister } from '@/features/auth/api/register';
import { AuthLayout } from '@/features/auth/components/auth-layout';
import { useAfterSignIn } from '@/features/auth/hooks/use-after-sign-in';

export function RegisterPage() {
  const mutation = useRegister();
  const { next, goNext, alreadySignedIn } = useAfterSignIn(mutation);
  const form = useForm(RegisterInputSchema, { name: '', email: '', password: '' }, (data) => mutation.mutate(data, { onSuccess: goNext }), mutation.error);

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
    </AuthLayout>
  );
}
