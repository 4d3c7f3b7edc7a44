import { useState } from 'react';
import { ConfirmDialog } from '@/components/dialog';
import { errorMessage } from '@/lib/api-error';
import type { MfaStatus } from '@/lib/mfa-status';
import { useRegenerateRecoveryCodes } from '@/features/security/api/regenerate-recovery-codes';

/** Fewer left than this: say it is time for new ones. */
const LOW = 3;

interface RecoveryCodesPanelProps {
  status: MfaStatus;
  onRecoveryCodes: (codes: string[]) => void;
}

/** How many single-use recovery codes are left, and new ones (the old ones stop working). */
export function RecoveryCodesPanel({ status, onRecoveryCodes }: RecoveryCodesPanelProps) {
  const regenerate = useRegenerateRecoveryCodes();
  const [confirming, setConfirming] = useState(false);
  const { remaining, total } = status.recovery_codes;

  return (
    <section className="card" aria-labelledby="recovery-title">
      <h2 className="card__title" id="recovery-title">Recovery codes</h2>
      {status.mfa_enabled ? (
        <div className="stack">
          <p className="card__subtitle">
            {remaining} of {total} codes left. Each signs you in once when your authenticator app or passkeys are not at hand.
          </p>
          {remaining <= LOW ? (
            <p className="alert alert--error">{remaining === 0 ? 'You have no recovery codes left.' : 'You are running out of recovery codes.'} Make new ones.</p>
          ) : null}
          <div>
            <button
              type="button"
              className="button button--secondary"
              onClick={() => {
                regenerate.reset();
                setConfirming(true);
              }}
            >
              Make new codes…
            </button>
          </div>
        </div>
      ) : (
        <p className="card__subtitle">You get ten when you turn on an authenticator app or add your first passkey.</p>
      )}
      {confirming ? (
        <ConfirmDialog
          title="Make new recovery codes?"
          description="Your current codes stop working at once; the new ones are shown once."
          confirmLabel="Make new codes"
          pending={regenerate.isPending}
          error={regenerate.error ? `Could not make new codes: ${errorMessage(regenerate.error)}` : null}
          onConfirm={() =>
            regenerate.mutate(undefined, {
              onSuccess: (codes) => {
                setConfirming(false);
                onRecoveryCodes(codes);
              },
            })
          }
          onCancel={() => setConfirming(false)}
        />
      ) : null}
    </section>
  );
}
