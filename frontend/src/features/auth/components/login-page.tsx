import { lazy, Suspense, useId, useLayoutEffect, useRef, useState } from 'react';
import { Link, Navigate, useLocation } from 'react-router';
import { AuthLayout } from '@/components/auth-layout';
import { FormAlert, Spinner, SubmitButton, SuccessAlert } from '@/components/feedback';
import { TextField } from '@/components/field';
import { ResendVerification } from '@/components/resend-verification';
import { useForm } from '@/lib/use-form';
import { isMfaChallenge, LoginInputSchema, type MfaChallenge, useLogin } from '@/features/auth/api/login';
import { usePasskeyLogin } from '@/features/auth/api/passkey-login';
import { OidcSignIn } from '@/features/auth/components/oidc-sign-in';
import { PasskeySignIn } from '@/features/auth/components/passkey-sign-in';
import { useAfterSignIn } from '@/features/auth/hooks/use-after-sign-in';
import { refusal } from '@/features/auth/login-refusal';
import { typedEmail, typedEmailState } from '@/features/auth/typed-email';

// Only accounts with a second factor see it: its code loads when the password step asks for it.
const MfaChallengeStep = lazy(async () => ({ default: (await import('@/features/auth/components/mfa-challenge-step')).MfaChallengeStep }));

const NOTICES: Record<string, string> = {
  'password-reset': 'Your password has been reset. Sign in with the new one.',
  expired: 'Your session has ended. Please sign in again.',
  'signed-out-everywhere': 'You signed out on every device, including this one.',
};

export function LoginPage() {
  const location = useLocation();
  const mutation = useLogin();
  const passkey = usePasskeyLogin();
  const { params, session, next, goNext, alreadySignedIn } = useAfterSignIn({
    isPending: mutation.isPending || passkey.isPending,
    isSuccess: mutation.isSuccess || passkey.isSuccess,
  });
  // The second step, when the password was right and the account has a second factor (202).
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  // Why the second step sent the user back here (it expired or was interrupted).
  const [restarted, setRestarted] = useState<string | null>(null);
  const password = useRef<HTMLInputElement>(null);
  const noticeId = useId();
  const form = useForm(
    LoginInputSchema,
    // The address typed on the emailed code's page, when the user came back from there.
    { email: typedEmail(location.state), password: '' },
    (data) => {
      setRestarted(null);
      passkey.reset();
      mutation.mutate(data, { onSuccess: (result) => (isMfaChallenge(result) ? setChallenge(result) : goNext()) });
    },
    mutation.error,
  );

  // Back from the second step: the password step again, its password field focused.
  const [returned, setReturned] = useState(0);
  useLayoutEffect(() => {
    if (returned) password.current?.focus();
  }, [returned]);

  if (alreadySignedIn) return <Navigate to={next} replace />;
  const expired = session.status === 'anonymous' && session.reason === 'expired';
  // The server's own reason when it gave one (e.g. too many wrong answers to confirm it was the user).
  const named = params.get('notice') ?? '';
  // Own keys only: `?notice=__proto__` must not find Object's (a link anyone can send).
  const allDevicesSignedOut = session.status === 'anonymous' && session.allDevices === true;
  const notice =
    (Object.hasOwn(NOTICES, named) ? NOTICES[named] : null) ??
    (expired ? (session.why ?? NOTICES.expired) : allDevicesSignedOut ? NOTICES['signed-out-everywhere'] : null);
  const refused = refusal(mutation.error);
  // The `next` to pass on to the other ways in (registration, the emailed code).
  const nextQuery = next !== '/' ? `?next=${encodeURIComponent(next)}` : '';

  function restart(message: string | null) {
    setChallenge(null);
    setRestarted(message);
    mutation.reset();
    form.setValues((values) => ({ ...values, password: '' }));
    setReturned((count) => count + 1);
  }

  return (
    <AuthLayout
      title="Sign in"
      // The notice arrives with the page (a live region mounted with its text is often not read): the heading, which
      // takes the focus after a navigation, is described by it.
      describedBy={notice ? noticeId : undefined}
      // The second step names the account it verifies, and offers no new account: the password was right.
      subtitle={challenge ? <>Signing in as <bdi>{mutation.variables?.email ?? form.values.email}</bdi>.</> : 'Welcome back. Sign in to see your tasks.'}
      footer={
        challenge ? undefined : (
          <p>
            New here? <Link to={`/register${nextQuery}`}>Create an account</Link>
          </p>
        )
      }
    >
      <div className="stack">
        <SuccessAlert id={noticeId}>{notice}</SuccessAlert>
        {/* Why the second step sent the user back: in a region that stays in the page across both steps, so the
            message is put into a live region that already exists (one mounted with its text is often not read). */}
        <FormAlert messages={restarted ? [restarted] : []} />
        {challenge ? (
          <Suspense fallback={<Spinner />}>
            <MfaChallengeStep challenge={challenge} onSignedIn={goNext} onRestart={restart} />
          </Suspense>
        ) : (
          <>
            <form className="stack" onSubmit={form.onSubmit} noValidate>
              <FormAlert messages={refused ? [refused.message] : form.formErrors} />
              {refused?.code === 'email_not_verified' && mutation.variables ? (
                <ResendVerification email={mutation.variables.email} label="Resend the link" />
              ) : null}
              {refused?.code === 'login_locked' ? (
                <p>
                  <Link to="/forgot-password">Reset your password</Link>
                </p>
              ) : null}
              {/* "username", not "email": what password managers and passkey autofill look for to fill and store the account. */}
              <TextField label="Email" type="email" autoComplete="username" required {...form.bind('email')} errors={form.errors('email')} />
              <TextField
                ref={password}
                label="Password"
                type="password"
                autoComplete="current-password"
                required
                {...form.bind('password')}
                errors={form.errors('password')}
              />
              <div className="row row--between">
                <Link to="/forgot-password">Forgot your password?</Link>
              </div>
              <SubmitButton pending={mutation.isPending} pendingLabel="Signing in…" block>
                Sign in
              </SubmitButton>
            </form>
            <PasskeySignIn mutation={passkey} onSignedIn={goNext} />
            {/* Its name leaves out "Sign in" (as the passkey's does): the form's button stays the one of that name. */}
            <Link className="button button--secondary button--block" to={`/login/code${nextQuery}`} state={typedEmailState(form.values.email)}>
              Email me a sign-in code
            </Link>
            <OidcSignIn next={next} />
          </>
        )}
      </div>
    </AuthLayout>
  );
}
