/**
 * The rule a new password meets before a form sends it: registration, the reset link's page and the account's
 * password change (or first password) check the same, in the same words. The server's password validators (length,
 * common, similarity to the account, leaked) have the last word; this only spares a round trip for the obvious.
 */
import { z } from '@/lib/zod';

export const newPasswordSchema = z.string().min(8, 'Use at least 8 characters.').max(128, 'At most 128 characters.');

type WithConfirm = { new_password: string; confirm: string };

/**
 * `schema` whose `confirm` (the form's second copy of the new password, never sent) must equal its `new_password`,
 * the refusal shown under the confirm field.
 */
export function withMatchingConfirm<S extends z.ZodType<WithConfirm>>(schema: S): S {
  return schema.refine((values: WithConfirm) => values.new_password === values.confirm, {
    path: ['confirm'],
    message: 'The passwords do not match.',
  });
}
