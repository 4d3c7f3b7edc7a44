import { FormAlert, SubmitButton, SuccessAlert } from '@/components/feedback';
import { TextField } from '@/components/field';
import { useSession } from '@/lib/session';
import { useForm } from '@/lib/use-form';
import type { z } from '@/lib/zod';
import { type PasswordInput, PasswordChangeSchema, PasswordSetSchema, useChangePassword } from '@/features/account/api/change-password';
import { useHasPassword } from '@/features/account/api/get-identities';
import { CurrentPasswordField } from '@/features/account/components/current-password-field';

const EMPTY = { current_password: '', new_password: '', confirm: '' };

/** "Change password"; "Set a password", with no current one asked for, for an account created through a provider. */
export function PasswordForm() {
  const session = useSession();
  const email = session.status === 'authenticated' ? session.user.email : null;
  const hasPassword = useHasPassword();
  const mutation = useChangePassword();
  const schema: z.ZodType<PasswordInput> = hasPassword ? PasswordChangeSchema : PasswordSetSchema;
  const form = useForm(schema, EMPTY, (data, { reset }) =>
    mutation.mutate(data, { onSuccess: reset }),
  mutation.error);
  // What was done, as the answer came: a first password set turns this form into "Change password" at once.
  const done = mutation.isSuccess
    ? 'current_password' in mutation.variables
      ? 'Password changed. Your other devices have been signed out.'
      : 'Password set. You can sign in with it from now on.'
    : null;
  return (
    <section className="card" aria-labelledby="password-title">
      <h2 className="card__title" id="password-title">{hasPassword ? 'Change password' : 'Set a password'}</h2>
      <form className="stack" onSubmit={form.onSubmit} noValidate>
        {hasPassword ? null : (
          <p className="card__subtitle">Your account has no password yet. Set one to sign in with it as well as with your connected accounts.</p>
        )}
        <SuccessAlert>{done}</SuccessAlert>
        <FormAlert messages={form.formErrors} />
        {/* The account the new password belongs to, for password managers: without a username field in the form, a
            generated or typed new password is not stored against the account. Hidden and read-only: nothing to fill. */}
        {email ? <input type="email" name="username" autoComplete="username" value={email} readOnly hidden /> : null}
        <CurrentPasswordField form={form} hasPassword={hasPassword} />
        <TextField label="New password" type="password" autoComplete="new-password" required {...form.bind('new_password')} errors={form.errors('new_password')} />
        <TextField label="Confirm new password" type="password" autoComplete="new-password" required {...form.bind('confirm')} errors={form.errors('confirm')} />
        <div>
          <SubmitButton pending={mutation.isPending} pendingLabel={hasPassword ? 'Changing…' : 'Setting…'}>
            {hasPassword ? 'Change password' : 'Set password'}
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}
