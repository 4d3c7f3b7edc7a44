import { BusyButton, FormAlert } from '@/components/feedback';
import { errorMessage } from '@/lib/api-error';
import { passkeyFailureMessage, passkeysSupported } from '@/lib/webauthn';
import type { usePasskeyLogin } from '@/features/auth/api/passkey-login';

/**
 * "Continue with a passkey": passwordless, with any passkey of this site the browser or a phone has. Not
 * offered at all where the browser has no WebAuthn. The mutation belongs to the page (it decides where to go).
 * Its name leaves out "Sign in" on purpose: the password form's "Sign in" button must stay the one control of
 * that name (found by it in the browser tests, and in a screen reader's list of buttons).
 */
export function PasskeySignIn({ mutation, onSignedIn }: { mutation: ReturnType<typeof usePasskeyLogin>; onSignedIn: () => void }) {
  if (!passkeysSupported()) return null;
  const failure = mutation.error ? (passkeyFailureMessage(mutation.error) ?? errorMessage(mutation.error)) : null;
  return (
    <div className="stack stack--tight">
      <FormAlert messages={failure ? [failure] : []} />
      <BusyButton className="button button--secondary button--block" busy={mutation.isPending} onClick={() => mutation.mutate(undefined, { onSuccess: onSignedIn })}>
        {mutation.isPending ? 'Waiting for your passkey…' : 'Continue with a passkey'}
      </BusyButton>
    </div>
  );
}
