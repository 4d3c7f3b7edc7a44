import { lazy, Suspense, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router';
import { AuthLayout } from '@/components/auth-layout';
import { BusyButton, FormAlert, Spinner, SubmitButton, SuccessAlert } from '@/components/feedback';
import { TextField } from '@/components/field';
import { ApiError, errorMessage, formatWait, tryAgainAfter } from '@/lib/api-error';
import { loginPath } from '@/lib/navigation';
import { onField } from '@/lib/second-factor';
import { useForm } from '@/lib/use-form';
import { LoginCodeInputSchema, useConfirmLoginCode } from '@/features/auth/api/confirm-login-code';
import { isMfaChallenge, type MfaChallenge } from '@/features/auth/api/login';
import { LoginCodeRequestInputSchema, type LoginCodeSent, useRequestLoginCode } from '@/features/auth/api/request-login-code';
import { useAfterSignIn } from '@/features/auth/hooks/use-after-sign-in';
import { refusal } from '@/features/auth/login-refusal';
import { typedEmail, typedEmailState } from '@/features/auth/typed-email';

// Only accounts with a second factor see it, as on the password's sign-in page.
const MfaChallengeStep = lazy(async () => ({ default: (await import('@/features/auth/components/mfa-challenge-step')).MfaChallengeStep }));

const RESEND_LABEL = 'Send a new code';
export const NOT_AVAILABLE = 'Signing in with an emailed code is not available here. Sign in with your password instead.';
// The server's one sentence for every refusal (backend/mfa/errors.py), pointing to this page's button.
export const WRONG_CODE = `That code is not right, or it no longer works (it expired, was used, or a newer one was sent). Check the latest email, or choose “${RESEND_LABEL}”.`;

type Sent = LoginCodeSent & { email: string };
type Problem = { message: string; locked: boolean };

/** A refusal said in this page's words (the rest, e.g. a field's validation error, shows as the forms show it). */
function problemOf(error: unknown, asking: boolean): Problem | null {
  const refused = refusal(error);
  // Wrong codes count on the password's lockout: the same sentence, and the same way out.
  if (refused?.code === 'login_locked') return { message: refused.message, locked: true };
  if (!(error instanceof ApiError)) return null;
  if (error.status === 404) return { message: NOT_AVAILABLE, locked: false };
  if (error.status === 429) {
    return { message: `${asking ? 'Too many codes were asked for.' : 'Too many attempts to sign in.'} ${tryAgainAfter(error)}.`, locked: false };
  }
  return null;
}

/** "10 minutes", from the server's expiry and this device's clock; nothing when that clock makes no sense of it. */
function expiresIn(expiresAt: string): string | null {
  const seconds = (Date.parse(expiresAt) - Date.now()) / 1000;
  return Number.isFinite(seconds) && seconds > 0 ? formatWait(seconds) : null;
}

/**
 * Sign-in with a one-time code emailed to the account's address (docs/mfa.md), in place of the password: the
 * address, then the code, then, for an account with a second factor, the same second step as after a password.
 * It completes as the password's sign-in does (useAfterSignIn). The address typed on the sign-in page comes along.
 */
export function LoginCodePage() {
  const location = useLocation();
  const navigate = useNavigate();
  const request = useRequestLoginCode();
  const confirm = useConfirmLoginCode();
  const { next, goNext, alreadySignedIn } = useAfterSignIn({ isPending: confirm.isPending, isSuccess: confirm.isSuccess });
  // The code asked for (its token goes with it), and the second step when the account has one (202).
  const [sent, setSent] = useState<Sent | null>(null);
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  // Why the second step sent the user back here (it expired or was interrupted).
  const [restarted, setRestarted] = useState<string | null>(null);
  // Where "Send a new code" sent one (cleared while it asks, so the same sentence is announced again).
  const [resentTo, setResentTo] = useState<string | null>(null);
  const emailInput = useRef<HTMLInputElement>(null);
  const emailForm = useForm(
    LoginCodeRequestInputSchema,
    { email: typedEmail(location.state) },
    (data) => {
      setRestarted(null);
      confirm.reset();
      request.mutate(data, { onSuccess: (result) => setSent({ ...result, email: data.email }) });
    },
    request.error,
  );
  // Memoized: a new error object on each render would pull the focus back to the field each time.
  const confirmShown = useMemo(() => onField(confirm.error, 'login_code_invalid', 'code', WRONG_CODE), [confirm.error]);

  // Back to the address from a later step: its field takes the focus (the first showing leaves it to the heading).
  const [returned, setReturned] = useState(0);
  useLayoutEffect(() => {
    if (returned) emailInput.current?.focus();
  }, [returned]);

  if (alreadySignedIn) return <Navigate to={next} replace />;
  const email = sent?.email ?? emailForm.values.email;
  const toPassword = { pathname: loginPath(next), state: typedEmailState(email) };

  function backToEmail(message: string | null) {
    setSent(null);
    setChallenge(null);
    setResentTo(null);
    setRestarted(message);
    request.reset();
    confirm.reset();
    setReturned((count) => count + 1);
  }

  function resend(to: Sent) {
    setResentTo(null);
    request.mutate(
      { email: to.email },
      {
        onSuccess: (result) => {
          // The new token replaces the old: the code emailed before no longer works with it.
          setSent({ ...result, email: to.email });
          confirm.reset();
          setResentTo(to.email);
        },
      },
    );
  }

  function signIn(to: Sent, code: string) {
    confirm.mutate({ login_token: to.login_token, code }, { onSuccess: (result) => (isMfaChallenge(result) ? setChallenge(result) : goNext()) });
  }

  const requestProblem = problemOf(request.error, true);
  return (
    <AuthLayout
      title="Sign in with a code"
      subtitle={
        challenge ? (
          <>
            Signing in as <bdi>{email}</bdi>.
          </>
        ) : sent ? undefined : (
          'Enter your email address and we will email you a one-time code to sign in with, no password needed.'
        )
      }
      footer={
        challenge ? undefined : (
          <p>
            Prefer your password?{' '}
            <Link to={toPassword.pathname} state={toPassword.state}>
              Sign in with your password
            </Link>
          </p>
        )
      }
    >
      <div className="stack">
        {/* In a region that stays in the page across the steps: a live region mounted with its text is often not read. */}
        <FormAlert messages={restarted ? [restarted] : []} />
        {challenge ? (
          <Suspense fallback={<Spinner />}>
            <MfaChallengeStep
              challenge={challenge}
              onSignedIn={goNext}
              // Its "Back to email and password" means the password's page; an expired step means a new code.
              onRestart={(message) => (message === null ? navigate(toPassword.pathname, { state: toPassword.state }) : backToEmail(message))}
            />
          </Suspense>
        ) : sent ? (
          <CodeStep
            sent={sent}
            resentTo={resentTo}
            resending={request.isPending}
            resendProblem={request.error ? (requestProblem?.message ?? `Could not send a new code. ${errorMessage(request.error)}`) : null}
            signingIn={confirm.isPending}
            error={confirmShown}
            problem={problemOf(confirm.error, false)}
            onSubmit={(code) => signIn(sent, code)}
            onResend={() => resend(sent)}
            onChangeEmail={() => backToEmail(null)}
          />
        ) : (
          <form className="stack" onSubmit={emailForm.onSubmit} noValidate>
            <FormAlert messages={requestProblem ? [requestProblem.message] : emailForm.formErrors} />
            <TextField
              ref={emailInput}
              label="Email"
              type="email"
              autoComplete="email"
              required
              {...emailForm.bind('email')}
              errors={emailForm.errors('email')}
            />
            <SubmitButton pending={request.isPending} pendingLabel="Sending…" block>
              Email me a code
            </SubmitButton>
          </form>
        )}
      </div>
    </AuthLayout>
  );
}

interface CodeStepProps {
  sent: Sent;
  resentTo: string | null;
  resending: boolean;
  resendProblem: string | null;
  signingIn: boolean;
  error: unknown;
  problem: Problem | null;
  onSubmit: (code: string) => void;
  onResend: () => void;
  onChangeEmail: () => void;
}

/**
 * The code's step. The focus moves to its heading as it shows (a screen reader announces the step, then reads on
 * where the code went); "Send a new code" keeps it, the form under it starting afresh with the new token.
 */
function CodeStep({ sent, resentTo, resending, resendProblem, signingIn, error, problem, onSubmit, onResend, onChangeEmail }: CodeStepProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  // In the commit that shows the step (see focusPageHeading): a field clicked into meanwhile keeps its keys.
  useLayoutEffect(() => heading.current?.focus(), []);
  const lasts = expiresIn(sent.expires_at);
  return (
    <section className="stack" aria-labelledby="login-code-step-title">
      <h2 className="card__title" id="login-code-step-title" ref={heading} tabIndex={-1}>
        Check your email
      </h2>
      <p className="auth__subtitle">
        If an account has the address <bdi>{sent.email}</bdi>, we sent it a sign-in code.{lasts ? ` It expires in ${lasts}.` : ''}
      </p>
      <SuccessAlert>
        {resentTo ? (
          <>
            A new code is on its way to <bdi>{resentTo}</bdi>. The one sent before no longer works.
          </>
        ) : null}
      </SuccessAlert>
      <CodeForm key={sent.login_token} pending={signingIn} error={error} problem={problem} onSubmit={onSubmit} />
      <div className="stack stack--tight">
        <FormAlert messages={resendProblem ? [resendProblem] : []} />
        <BusyButton className="button button--secondary button--block" busy={resending} onClick={onResend}>
          {resending ? 'Sending…' : RESEND_LABEL}
        </BusyButton>
        <button type="button" className="button button--ghost" onClick={onChangeEmail}>
          Use another email address
        </button>
      </div>
    </section>
  );
}

function CodeForm({ pending, error, problem, onSubmit }: { pending: boolean; error: unknown; problem: Problem | null; onSubmit: (code: string) => void }) {
  const form = useForm(LoginCodeInputSchema, { code: '' }, ({ code }) => onSubmit(code), error);
  return (
    <form className="stack" onSubmit={form.onSubmit} noValidate>
      <FormAlert messages={problem ? [problem.message] : form.formErrors} />
      {problem?.locked ? (
        <p>
          <Link to="/forgot-password">Reset your password</Link>
        </p>
      ) : null}
      <TextField
        label="Sign-in code"
        hint="The 8 digits in the email, with or without the space."
        inputMode="numeric"
        autoComplete="one-time-code"
        autoCapitalize="off"
        spellCheck={false}
        required
        {...form.bind('code')}
        errors={form.errors('code')}
      />
      <SubmitButton pending={pending} pendingLabel="Signing in…" block>
        Sign in
      </SubmitButton>
    </form>
  );
}
