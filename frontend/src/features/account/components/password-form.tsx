import { FormAlert, SubmitButton, SuccessAlert } from '@/components/feedback';
import { TextField } from '@/components/field';
import { useSession } from '@/lib/session';
import { useForm } from '@/lib/use-form';
import { PasswordChangeSchema, useChangePassword } from '@/features/account/api/change-password';

const EMPTY = { current_password: '', new_password: '', confirm: '' };

export function PasswordForm() {
  const session = useSession();
  const email = session.status === 'authenticated' ? session.user.email : null;
  const mutation = useChangePassword();
  const form = useForm(PasswordChangeSchema, EMPTY, (data, { reset }) =>
    mutation.mutate(data, { onSuccess: reset }),
  mutation.error);
  return (
    <section className="card" aria-labelledby="password-title">
      <h2 className="card__title" id="password-title">Change password</h2>
      <form className="stack" onSubmit={form.onSubmit} noValidate>
        <SuccessAlert>{mutation.isSuccess ? 'Password changed. Your other devices have been signed out.' : null}</SuccessAlert>
        <FormAlert messages={form.formErrors} />
        {/* The account the new password belongs to, for password managers: without a username field in the form, a
            generated or typed new password is not stored against the account. Hidden and read-only: nothing to fill. */}
        {email ? <input type="email" name="username" autoComplete="username" value={email} readOnly hidden /> : null}
        <TextField label="Current password" type="password" autoComplete="current-password" {...form.bind('current_password')} errors={form.errors('current_password')} />
        <TextField label="New password" type="password" autoComplete="new-password" {...form.bind('new_password')} errors={form.errors('new_password')} />
        <TextField label="Confirm new password" type="password" autoComplete="new-password" {...form.bind('confirm')} errors={form.errors('confirm')} />
        <div>
          <SubmitButton pending={mutation.isPending} pendingLabel="Changing…">
            Change password
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}
