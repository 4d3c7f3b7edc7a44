import { useQueryClient } from '@tanstack/react-query';
import { lazy, type ReactNode, Suspense, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { AuthLayout } from '@/components/auth-layout';
import { FormAlert, Spinner } from '@/components/feedback';
import { ApiError, errorMessage } from '@/lib/api-error';
import { loginPath } from '@/lib/navigation';
import { forgetOidcFlow, type OidcIntent, providerUnavailable, readOidcFlow, tooManyAttempts } from '@/lib/oidc';
import { queryKeys } from '@/lib/query-keys';
import { useSession } from '@/lib/session';
import { showToast } from '@/lib/toasts';
import { useSingleUseLink } from '@/lib/use-single-use-link';
import { completeOidc, type OidcCallbackInput, type OidcOutcome } from '@/features/auth/api/complete-oidc';
import { useAfterSignIn } from '@/features/auth/hooks/use-after-sign-in';

// Only accounts with a second factor see it, as on the other sign-in pages.
const MfaChallengeStep = lazy(async () => ({ default: (await import('@/features/auth/components/mfa-challenge-step')).MfaChallengeStep }));

/** The callback's parameters: the provider's code and state, or its refusal (`error`, and maybe why). */
type Arrival = { kind: 'code'; input: OidcCallbackInput } | { kind: 'refused'; description: string } | { kind: 'none' };

function readArrival(search: string): Arrival {
  const params = new URLSearchParams(search);
  const [code, state, error] = [params.get('code'), params.get('state'), params.get('error')];
  if (error !== null) return { kind: 'refused', description: params.get('error_description') ?? '' };
  return code && state ? { kind: 'code', input: { code, state } } : { kind: 'none' };
}

const CALLBACK_PARAMS = ['code', 'state', 'error', 'error_description', 'error_uri', 'iss', 'session_state', 'scope'];

/** The search without what the provider put in it (the code is a credential until used: not left in the history). */
function withoutCallback(search: string): string {
  const params = new URLSearchParams(search);
  CALLBACK_PARAMS.forEach((name) => params.delete(name));
  const rest = params.toString();
  return rest ? `?${rest}` : '';
}

type Problem = { title: string; message: string };

/** A refusal in the page's words, for the provider named (or "the provider" when this tab did not start the flow). */
function problemOf(error: unknown, intent: OidcIntent, provider: string | undefined): Problem {
  const name = provider ?? 'the provider';
  const Name = provider ?? 'The provider';
  const failed: Problem =
    intent === 'connect'
      ? { title: 'Not connected', message: `Connecting your ${name} account did not complete. Try again from your account page.` }
      : intent === 'reauthenticate'
        ? {
            title: 'Not confirmed',
            // The server's reasons: another account at the provider, or a provider that did not ask its user to sign in.
            message: `${Name} did not confirm it’s you. Go back and try again: sign in at ${name} with the account connected to yours, even if it says you are signed in already.`,
          }
        : { title: 'Sign-in did not complete', message: `The sign-in with ${name} did not complete. Try again.` };
  if (!(error instanceof ApiError)) return { ...failed, message: errorMessage(error) };
  switch (error.code) {
    case 'oidc_failed':
      return failed;
    case 'reauthentication_required':
      // Connecting: the few minutes a confirmation lasts ran out at the provider (the server asks it again on return).
      if (intent === 'connect') {
        return { title: failed.title, message: `It took too long at ${name}, so connecting it needs you to confirm it’s you again. Start again from your account page.` };
      }
      // A second factor was added since "Confirm it's you" offered the provider: only it confirms now.
      return {
        title: failed.title,
        message: 'Your account has two-step verification, so confirm it’s you with your authenticator app or a passkey instead. Go back and make the change again.',
      };
    case 'oidc_account_exists':
      return {
        title: 'You already have an account',
        message: `An account already uses this email address. Sign in with your password or an emailed code, then connect ${name} from your account page.`,
      };
    case 'oidc_email_unverified':
      return {
        title: failed.title,
        message: `${Name} did not confirm that this email address is yours, so no account can be created with it. Confirm it with ${name}, or create an account with your email and a password.`,
      };
    case 'oidc_identity_taken':
      return {
        title: 'Not connected',
        message: `That ${name} account is already connected to another account here. To connect it to this one, sign in to the other account and disconnect it there first; or connect a different ${name} account.`,
      };
    case 'oidc_provider_unavailable':
      return { title: failed.title, message: providerUnavailable(provider, error) };
    default:
      return { title: failed.title, message: error.status === 429 ? tooManyAttempts(error) : errorMessage(error) };
  }
}

/**
 * /login/oidc/callback: where the provider sends the browser back (`?code=…&state=…`, or `?error=…` when the user
 * cancelled or the provider refused). The code is sent once (useSingleUseLink) and taken out of the address bar.
 * A sign-in completes as the password's does (useAfterSignIn), with the second step for an account that has one;
 * a connect (the user was signed in) goes back to the account page and says so; a re-authentication ("Confirm it's
 * you" with a provider) goes back to the page it was asked on and says the change can be made now. Reached signed in
 * (the route's guard, WaitForSession, only waits for the session) or not.
 */
export function OidcCallbackPage() {
  const location = useLocation();
  const navigate = useNavigate();
  const client = useQueryClient();
  const session = useSession();
  // Read once: the address loses them below, and the tab's record of the flow goes once it is answered.
  const [arrival] = useState(() => readArrival(location.search));
  const [flow] = useState(readOidcFlow);
  // A flow this tab did not start (its storage was cleared): a connect when the tab came back signed in.
  const [intent] = useState<OidcIntent>(() => flow?.intent ?? (session.status === 'authenticated' ? 'connect' : 'sign_in'));
  const provider = flow?.provider;
  // Where a re-authentication goes back to: the page "Confirm it's you" was shown on.
  const returnTo = intent === 'reauthenticate' && flow?.next?.startsWith('/') ? flow.next : '/account';
  // The code is single-use: sent once for the life of the tab, whatever re-renders or remounts (StrictMode). A
  // connect's and a re-authentication's go with the account's token: the server checks that the session that
  // started the flow finishes it.
  const { state } = useSingleUseLink('oidc-callback', arrival.kind === 'code' ? JSON.stringify(arrival.input) : '', (input) =>
    completeOidc(JSON.parse(input) as OidcCallbackInput, intent !== 'sign_in'),
  );
  const outcome = state.status === 'success' ? state.data : null;
  const { next, goNext } = useAfterSignIn(
    { isPending: state.status === 'pending', isSuccess: outcome !== null },
    intent === 'sign_in' ? (flow?.next ?? null) : null,
  );
  // Why the second step sent the user away (it expired or was interrupted).
  const [restarted, setRestarted] = useState<string | null>(null);

  useEffect(() => {
    const rest = withoutCallback(location.search);
    if (rest !== location.search) navigate({ pathname: location.pathname, search: rest, hash: location.hash }, { replace: true, state: location.state });
    // Once, with the address the provider sent the browser back to.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // The flow is over once answered (or refused by the provider): a reload finds nothing to complete.
  const over = arrival.kind === 'refused' || state.status !== 'pending';
  useEffect(() => {
    if (over) forgetOidcFlow();
  }, [over]);

  // Each outcome acted on once (a toast said twice would be read twice).
  const handled = useRef<OidcOutcome | null>(null);
  useEffect(() => {
    if (!outcome || handled.current === outcome) return;
    handled.current = outcome;
    if (outcome.kind === 'connected') {
      void client.invalidateQueries({ queryKey: queryKeys.oidcIdentities });
      showToast({ message: `${outcome.identity.provider_name} connected.` });
      navigate('/account', { replace: true });
    } else if (outcome.kind === 'reauthenticated') {
      // The session's recent authentication (GET /auth/mfa/ says until when) changed.
      void client.invalidateQueries({ queryKey: queryKeys.mfa });
      // The refused request died with the page that sent it: the user makes the change again.
      showToast({ message: 'Confirmed. You can make the change now: it was not made yet, so do it again.' });
      navigate(returnTo, { replace: true });
    } else if (outcome.kind === 'signed-in') {
      // After the session started (which clears the toasts of any account before): the new account's welcome.
      if (outcome.created) showToast({ message: `Welcome! Your account was created with ${provider ?? 'your provider'}.` });
      goNext();
    }
  }, [outcome, client, navigate, goNext, provider, returnTo]);

  const back =
    session.status === 'authenticated' && intent === 'reauthenticate' ? (
      <Link to={returnTo}>Back to the page you were on</Link>
    ) : session.status === 'authenticated' ? (
      <Link to="/account">Back to your account</Link>
    ) : (
      <Link to={loginPath(next)}>Back to sign in</Link>
    );

  let title: string;
  let problem: string | null = null;
  let body: ReactNode;
  if (outcome?.kind === 'mfa') {
    title = 'Sign in';
    body = restarted ? (
      <p>{back}</p>
    ) : (
      <Suspense fallback={<Spinner />}>
        <MfaChallengeStep
          challenge={outcome.challenge}
          onSignedIn={goNext}
          // The first step was at the provider: back means the sign-in page; an expired step, a new sign-in from there.
          backLabel="Back to sign in"
          onRestart={(message) => (message === null ? navigate(loginPath(next)) : setRestarted(message))}
        />
      </Suspense>
    );
    problem = restarted;
  } else if (arrival.kind === 'refused') {
    title = intent === 'connect' ? 'Not connected' : intent === 'reauthenticate' ? 'Not confirmed' : 'Sign-in cancelled';
    const what = intent === 'connect' ? 'connect your account' : intent === 'reauthenticate' ? 'confirm it’s you' : 'sign you in';
    problem = `${provider ?? 'The provider'} did not ${what}: the request was cancelled or refused.`;
    body = (
      <div className="stack">
        {/* The provider's own words, as plain text (anyone can put anything in this link). */}
        {arrival.description ? <p>It said: “{arrival.description}”</p> : null}
        <p>{back}</p>
      </div>
    );
  } else if (arrival.kind === 'none') {
    title = 'Nothing to complete';
    problem = 'This page completes a sign-in with a provider, and there is none to complete here: it may have completed already.';
    body = <p>{back}</p>;
  } else if (state.status === 'error') {
    const refused = problemOf(state.error, intent, provider);
    title = refused.title;
    problem = refused.message;
    body = <p>{back}</p>;
  } else {
    // Sending the code, or done and on the way to the next page.
    title = intent === 'connect' ? `Connecting ${provider ?? 'your account'}` : intent === 'reauthenticate' ? 'Confirming it’s you' : 'Signing you in';
    body = <Spinner label={intent === 'connect' ? 'Connecting your account…' : intent === 'reauthenticate' ? 'Confirming it’s you…' : 'Completing the sign-in…'} />;
  }

  return (
    <AuthLayout title={title} subtitle={outcome?.kind === 'mfa' && provider ? `Signing in with ${provider}.` : undefined}>
      <div className="stack auth__body">
        {/* In the page from the start: a live region mounted with its text is often not read. */}
        <FormAlert messages={problem ? [problem] : []} />
        {body}
      </div>
    </AuthLayout>
  );
}
