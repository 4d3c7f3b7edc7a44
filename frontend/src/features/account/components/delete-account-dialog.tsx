import { Dialog } from '@/components/dialog';
import { BusyButton, FormAlert, StillWaiting } from '@/components/feedback';
import { useStalled } from '@/lib/use-stalled';
import { TextField } from '@/components/field';
import { useCurrentUser } from '@/lib/session';
import { useForm } from '@/lib/use-form';
import { z } from '@/lib/zod';
import { useDeleteAccount } from '@/features/account/api/delete-account';
import { useHasPassword } from '@/features/account/api/get-identities';
import { CurrentPasswordField } from '@/features/account/components/current-password-field';

/**
 * The typed address must be the account's, exactly: a deliberate act, not a slip of Enter. An account with no
 * password (created through a provider) gives none; the server may ask it to confirm it's them instead.
 */
function deleteSchema(email: string, hasPassword: boolean) {
  return z.object({
    confirm_email: z.string().refine((value) => value === email, 'Type your email address exactly as shown.'),
    current_password: hasPassword ? z.string().min(1, 'Enter your current password.') : z.string(),
  });
}

/**
 * "Delete account": the user types their email address (the confirm button stays unavailable until it
 * matches) and their current password. On success the session ends everywhere and the route guard
 * takes the tab to the sign-in page.
 */
export function DeleteAccountDialog({ onClose }: { onClose: () => void }) {
  const user = useCurrentUser();
  const mutation = useDeleteAccount();
  const hasPassword = useHasPassword();
  const form = useForm(
    deleteSchema(user.email, hasPassword),
    { confirm_email: '', current_password: '' },
    ({ current_password }) => mutation.mutate(hasPassword ? { current_password } : {}),
    mutation.error,
  );
  const typed = form.values.confirm_email === user.email;
  // Not while the request runs: the account would be deleted anyway, right after the user "cancelled".
  const stalled = useStalled(mutation.isPending); // unless it hangs: then the user may leave
  const cancel = () => {
    if (!mutation.isPending || stalled) onClose();
  };
  return (
    <Dialog
      title="Delete your account?"
      description={
        <>
          Your tasks, sessions and everything else the service holds about you are deleted for good. This cannot be undone. To confirm,
          type <strong><bdi>{user.email}</bdi></strong>{hasPassword ? ' and your current password' : ''}.
        </>
      }
      onClose={cancel}
      alert
    >
      <form className="stack" onSubmit={form.onSubmit} noValidate>
        <FormAlert messages={form.formErrors} />
        <TextField
          label="Your email address"
          // The email keyboard (with @) on phones; not type="email", whose value the browser may rewrite
          // (an internationalised domain as punycode) and which then never matches the address shown.
          inputMode="email"
          autoComplete="off"
          spellCheck={false}
          autoCapitalize="off"
          required
          hint={<>Exactly <bdi>{user.email}</bdi></>}
          {...form.bind('confirm_email')}
          errors={form.errors('confirm_email')}
        />
        <CurrentPasswordField form={form} hasPassword={hasPassword} />
        <StillWaiting stalled={stalled} />
        <div className="dialog__actions">
          {/* Unavailable (aria-disabled, still focusable) while the account is being deleted. */}
          <BusyButton className="button button--secondary" busy={mutation.isPending && !stalled} onClick={cancel}>
            Cancel
          </BusyButton>
          {/* Unavailable (aria-disabled, still focusable) until the address matches: pressed anyway, the
              check refuses it and says why next to the field. Busy while the request runs. */}
          <button
            type="submit"
            className="button button--danger"
            aria-disabled={mutation.isPending || !typed || undefined}
            onClick={(event) => {
              if (mutation.isPending) event.preventDefault();
            }}
          >
            {mutation.isPending ? 'Deleting…' : 'Delete my account'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
