import { useRef, useState } from 'react';
import { BusyButton, FormAlert } from '@/components/feedback';
import { formatDay } from '@/lib/format';
import { formErrors } from '@/lib/forms';
import type { MfaStatus } from '@/lib/mfa-status';
import { showToast } from '@/lib/toasts';
import { useFocusAfterRemoval } from '@/lib/use-focus-after-removal';
import { useEnableTotp } from '@/features/security/api/enable-totp';
import { DisableTotpDialog } from '@/features/security/components/disable-totp-dialog';
import { TotpEnrolment } from '@/features/security/components/totp-enrolment';

interface TotpPanelProps {
  totp: MfaStatus['totp'];
  onRecoveryCodes: (codes: string[]) => void;
  /** The id of what says why the app cannot be set up yet (an unconfirmed address): set-up is disabled meanwhile. */
  blockedBy?: string;
}

/** The authenticator app: set it up (scan, confirm a code), or turn it off (with a code). */
export function TotpPanel({ totp, onRecoveryCodes, blockedBy }: TotpPanelProps) {
  const enable = useEnableTotp();
  const [disabling, setDisabling] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  // Turned off, "Turn off…" is gone: the focus goes to the heading (not to <body>, nor back to the top of the page).
  const removing = useFocusAfterRemoval(totp.enabled ? ['app'] : [], { fallback: heading, held: disabling });
  // Ending the set-up unmounts the control that has the focus (Turn on, Cancel), which would drop it to
  // <body>, and the recovery-codes dialog would take <body> for its opener: the panel's heading, which
  // stays, takes it first (and gets it back from that dialog).
  const endEnrolment = () => {
    heading.current?.focus();
    enable.reset();
  };

  return (
    <section className="card" aria-labelledby="totp-title">
      <div className="card__header">
        <h2 className="card__title" id="totp-title" ref={heading} tabIndex={-1}>
          Authenticator app
        </h2>
        {totp.enabled ? <span className="badge badge--verified">On</span> : <span className="badge badge--unverified">Off</span>}
      </div>
      {totp.enabled ? (
        <div className="stack">
          <p className="card__subtitle">
            Signing in asks for a code from your app after your password{totp.confirmed_at ? ` (on since ${formatDay(totp.confirmed_at)})` : ''}.
          </p>
          <div>
            <button
              type="button"
              className="button button--secondary"
              onClick={() => {
                removing('app');
                setDisabling(true);
              }}
            >
              Turn off…
            </button>
          </div>
        </div>
      ) : enable.data ? (
        <TotpEnrolment
          enrolment={enable.data}
          onConfirmed={(codes) => {
            endEnrolment();
            showToast({ message: 'Authenticator app turned on.' });
            onRecoveryCodes(codes);
          }}
          onCancel={endEnrolment}
        />
      ) : (
        <div className="stack">
          <p className="card__subtitle">
            Use an app such as Google Authenticator, Microsoft Authenticator, 1Password or Aegis: signing in then also asks for the code it shows.
          </p>
          <FormAlert messages={formErrors(enable.error, [])} />
          <div>
            <BusyButton
              className="button button--primary"
              busy={enable.isPending}
              disabled={blockedBy !== undefined}
              aria-describedby={blockedBy}
              onClick={() => enable.mutate()}
            >
              {enable.isPending ? 'Starting…' : 'Set up an authenticator app'}
            </BusyButton>
          </div>
        </div>
      )}
      {disabling ? <DisableTotpDialog onClose={() => setDisabling(false)} /> : null}
    </section>
  );
}
