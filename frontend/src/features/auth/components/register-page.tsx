import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { FormAlert } from '@/components/feedback';
import { TextField } from '@/components/field';
import { safeNextPath } from '@/lib/navigation';
import { useSession } from '@/lib/session';
import { useForm } from '@/lib/use-form';
import { RegisterInputSchema, useRegister } from '@/features/auth/api/register';
import { AuthLayout } from '@/features/auth/components/auth-layout';

export function RegisterPage() {
  const [params] = useSearchParams();
  const next = safeNextPath(params.get('next'));
  const navigate = useNavigate();
  const session = useSession();
  const mutation = useRegister();
  const form = useForm(RegisterInputSchema, { name: '', email: '', password: '' }, (data) =>
    mutation.mutate(data, { onSuccess: () => navigate(next, { replace: true }) }),
  mutation.error);

  if (session.status === 'authenticated' && !mutation.isPending && !mutation.isSuccess) {
    return <Navigate to={next} replace />;
  }
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
        <button type="submit" className="button button--primary button--block" disabled={mutation.isPending}>
          {mutation.isPending ? 'Creating account…' : 'Create account'}
        </button>
      </form>
    </AuthLayout>
  );
}
