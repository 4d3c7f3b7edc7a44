import { useLayoutEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { BusyButton, FormAlert } from '@/components/feedback';
import { RECOVERY_LABEL, RecoveryCodeForm, TotpCodeForm } from '@/components/second-factor-forms';
import { ApiError, type ErrorCode, errorMessage } from '@/lib/api-error';
import { wrongAppCode } from '@/lib/second-factor';
import { passkeyFailureMessage, passkeysSupported } from '@/lib/webauthn';
import { type SecondStepInput, useAuthenticateMfa } from '@/features/auth/api/authenticate-mfa';
import type { MfaChallenge } from '@/features/auth/api/login';
import { refusal } from '@/features/auth/login-refusal';

type Mode = 'totp' | 'recovery' | 'passkey';

/** The code forms' submit button. */
const VERIFY = { label: 'Verify', pending: 'Verifying…' };

/** The challenge cannot be answered any more (too old, used, or spent by wrong codes): the password again. */
const RESTART_CODES: readonly ErrorCode[] = ['mfa_challenge_expired', 'mfa_challenge_invalid'];
export const RESTART_MESSAGE = 'The sign-in took too long or was interrupted. Sign in again.';

const INTRO: Record<Mode, string> = {
  totp: 'Enter the 6-digit code your authenticator app shows for this account.',
  recovery: 'Enter one of the recovery codes you saved when you turned on two-step verification. Each works once.',
  passkey: 'Confirm with a passkey saved on this device, your phone or a security key.',
};

interface MfaChallengeStepProps {
  challenge: MfaChallenge;
  onSignedIn: () => void;
  /** Back to the password step, saying why (null: the user chose to go back). */
  onRestart: (message: string | null) => void;
  /** The name of the button that goes back (null to onRestart): where the first step was. */
  backLabel?: string;
}

/**
 * Sign-in's second step, on the sign-in page, after the password was right (202 `mfa_required`): an
 * authenticator code, a recovery code or a passkey, among the account's `methods`. The focus moves to its
 * heading, so a screen reader announces the new step. Success signs in exactly as a login does.
 */
export function MfaChallengeStep({ challenge, onSignedIn, onRestart, backLabel = 'Back to email and password' }: MfaChallengeStepProps) {
  const mutation = useAuthenticateMfa(challenge.mfa_token);
  const offers = {
    totp: challenge.methods.includes('totp'),
    recovery: challenge.methods.includes('recovery_code'),
    passkey: challenge.methods.includes('passkey') && passkeysSupported(),
  };
  const [mode, setMode] = useState<Mode>(offers.totp ? 'totp' : offers.passkey ? 'passkey' : 'recovery');
  // The user chose another way: the button they pressed is gone with the old mode, so the new mode's field
  // takes the focus (else it drops to <body>). Not on the step's first showing: the heading has it then.
  const [switched, setSwitched] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  // In the commit that shows the step (see focusPageHeading): a field clicked into meanwhile keeps its keys.
  useLayoutEffect(() => heading.current?.focus(), []);

  function send(input: SecondStepInput) {
    mutation.mutate(input, {
      onSuccess: onSignedIn,
      onError: (error) => {
        if (error instanceof ApiError && RESTART_CODES.includes(error.code)) onRestart(RESTART_MESSAGE);
      },
    });
  }

  function switchTo(next: Mode) {
    mutation.reset();
    setMode(next);
    setSwitched(true);
  }

  const refused = refusal(mutation.error);
  const byPasskey = mutation.variables === 'passkey';
  const stepMessages = refused
    ? [refused.message]
    : byPasskey && mutation.error
      ? [passkeyFailureMessage(mutation.error) ?? errorMessage(mutation.error)]
      : [];
  const formError = refused || byPasskey ? null : mutation.error;

  return (
    <section className="stack" aria-labelledby="mfa-step-title">
      <h2 className="card__title" id="mfa-step-title" ref={heading} tabIndex={-1}>
        Two-step verification
      </h2>
      <p className="auth__subtitle">{INTRO[mode]}</p>
      <FormAlert messages={stepMessages} />
      {refused?.code === 'login_locked' ? (
        <p>
          <Link to="/forgot-password">Reset your password</Link>
        </p>
      ) : null}
      {mode === 'totp' ? (
        <TotpCodeForm
          key="totp"
          autoFocus={switched}
          block
          submit={VERIFY}
          pending={mutation.isPending && !byPasskey}
          error={formError}
          wrongCode={wrongAppCode(offers.recovery ? RECOVERY_LABEL : undefined)}
          onSubmit={(code) => send({ code })}
        />
      ) : mode === 'recovery' ? (
        <RecoveryCodeForm
          key="recovery"
          autoFocus={switched}
          block
          submit={VERIFY}
          pending={mutation.isPending && !byPasskey}
          error={formError}
          onSubmit={(recovery_code) => send({ recovery_code })}
        />
      ) : null}
      <div className="stack stack--tight">
        {offers.passkey ? (
          <BusyButton
            className={`button ${mode === 'passkey' ? 'button--primary' : 'button--secondary'} button--block`}
            busy={mutation.isPending && byPasskey}
            onClick={() => send('passkey')}
          >
            {mutation.isPending && byPasskey ? 'Waiting for your passkey…' : 'Use a passkey'}
          </BusyButton>
        ) : null}
        {mode !== 'totp' && offers.totp ? (
          <button type="button" className="button button--ghost" onClick={() => switchTo('totp')}>
            Use your authenticator app
          </button>
        ) : null}
        {mode !== 'recovery' && offers.recovery ? (
          <button type="button" className="button button--ghost" onClick={() => switchTo('recovery')}>
            {RECOVERY_LABEL}
          </button>
        ) : null}
        <button type="button" className="button button--ghost" onClick={() => onRestart(null)}>
          {backLabel}
        </button>
      </div>
    </section>
  );
}
