import { ResendVerification } from '@/components/resend-verification';

/** The id the disabled "add a factor" buttons point their aria-describedby at. */
export const EMAIL_CONFIRMATION_NOTICE_ID = 'email-confirmation-notice';

/**
 * Why no factor can be added yet: the address is not confirmed. A factor added by whoever registered someone else's
 * address would outlive the owner's password reset, so the server asks for the address first (docs/security.md).
 */
export function EmailConfirmationNotice({ email }: { email: string }) {
  return (
    <div className="alert alert--warning stack stack--tight">
      <p id={EMAIL_CONFIRMATION_NOTICE_ID}>
        <strong>Confirm your email address to turn on two-step verification or add a passkey.</strong> Open the link we emailed to <bdi>{email}</bdi>, then come
        back here.
      </p>
      <ResendVerification email={email} label="Resend the link" />
    </div>
  );
}
