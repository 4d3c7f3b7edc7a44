import type { ChangeEvent } from 'react';
import { TextField } from '@/components/field';

/** What a form from lib/use-form.ts gives for its `current_password` value. */
interface CurrentPasswordForm {
  bind: (name: 'current_password') => { name: string; value: string; onChange: (event: ChangeEvent<HTMLInputElement>) => void };
  errors: (name: 'current_password') => string[] | undefined;
}

/**
 * The current password that confirms a change to the account (its password, email address or deletion). None for
 * an account without a password (created through a provider): the server asks it to confirm it's them instead.
 */
export function CurrentPasswordField({ form, hasPassword }: { form: CurrentPasswordForm; hasPassword: boolean }) {
  if (!hasPassword) return null;
  return (
    <TextField
      label="Current password"
      type="password"
      autoComplete="current-password"
      required
      {...form.bind('current_password')}
      errors={form.errors('current_password')}
    />
  );
}
