import { useState } from 'react';
import { Link } from 'react-router';
import { ErrorState, Spinner } from '@/components/feedback';
import { PageHeading } from '@/components/page-heading';
import { errorMessage } from '@/lib/api-error';
import { useMfaStatus } from '@/lib/mfa-status';
import { useCurrentUser } from '@/lib/session';
import { EMAIL_CONFIRMATION_NOTICE_ID, EmailConfirmationNotice } from '@/features/security/components/email-confirmation-notice';
import { PasskeysPanel } from '@/features/security/components/passkeys-panel';
import { RecoveryCodesDialog } from '@/features/security/components/recovery-codes-dialog';
import { RecoveryCodesPanel } from '@/features/security/components/recovery-codes-panel';
import { ThisSessionPanel } from '@/features/security/components/this-session-panel';
import { TotpPanel } from '@/features/security/components/totp-panel';

/**
 * Second factors (authenticator app, recovery codes, passkeys) and how this session was signed in. New
 * recovery codes, from whichever panel, are shown once in one dialog.
 *
 * A factor can be added only once the address is confirmed, when the server asks for that (its status says so:
 * only it knows whether verification is on). Until then a notice says how, and the add buttons are disabled. This
 * tab's user says it at once when the address was confirmed here (the status may be a little older); should the
 * server refuse all the same, its 403 shows in the panel.
 */
export function SecurityPage() {
  const status = useMfaStatus();
  const user = useCurrentUser();
  const blockedBy = status.data?.email_confirmation_required && !user.email_verified ? EMAIL_CONFIRMATION_NOTICE_ID : undefined;
  const [newCodes, setNewCodes] = useState<string[] | null>(null);
  const showCodes = (codes: string[]) => {
    if (codes.length) setNewCodes(codes);
  };

  return (
    <div className="page">
      <header className="page__header">
        <div>
          <PageHeading>Security</PageHeading>
          <p className="page__subtitle">
            Two-step verification, passkeys and how you signed in. Your password, email and devices are on the <Link to="/account">account page</Link>.
          </p>
        </div>
      </header>
      {status.isPending ? (
        <Spinner label="Loading your security settings…" />
      ) : status.isError ? (
        <ErrorState message={`Could not load your security settings. ${errorMessage(status.error)}`} onRetry={() => void status.refetch()} />
      ) : (
        <>
          {blockedBy ? <EmailConfirmationNotice email={user.email} /> : null}
          <div className="account-grid">
            <TotpPanel totp={status.data.totp} onRecoveryCodes={showCodes} blockedBy={blockedBy} />
            <RecoveryCodesPanel status={status.data} onRecoveryCodes={showCodes} />
          </div>
          <PasskeysPanel passkeys={status.data.passkeys} account={status.data.webauthn} onRecoveryCodes={showCodes} blockedBy={blockedBy} />
          <ThisSessionPanel status={status.data} />
        </>
      )}
      {newCodes ? <RecoveryCodesDialog codes={newCodes} onDone={() => setNewCodes(null)} /> : null}
    </div>
  );
}
