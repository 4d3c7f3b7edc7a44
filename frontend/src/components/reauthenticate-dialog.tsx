import { useMutation, useQuery } from '@tanstack/react-query';
import { useLayoutEffect, useRef, useState } from 'react';
import { useLocation } from 'react-router';
import { Dialog } from '@/components/dialog';
import { BusyButton, FormAlert, Spinner, SubmitButton } from '@/components/feedback';
import { TextField } from '@/components/field';
import { RecoveryCodeForm, TotpCodeForm } from '@/components/second-factor-forms';
import { ApiError, errorMessage } from '@/lib/api-error';
import { mfaStatusQueryOptions } from '@/lib/mfa-status';
import { identitiesQueryOptions, type OidcProvider, oidcProvidersQueryOptions, oidcStartProblem, startOidc, useResetOnReturn } from '@/lib/oidc';
import { queryClient } from '@/lib/query-client';
import { queryKeys } from '@/lib/query-keys';
import { type ReauthenticateInput, reauthenticate, reauthenticateWithPasskey } from '@/lib/reauthenticate-api';
import type { ReauthenticationPrompt } from '@/lib/reauthentication';
import { secondFactorWords, wrongAppCode } from '@/lib/second-factor';
import { useForm } from '@/lib/use-form';
import { passkeyFailureMessage, passkeysSupported } from '@/lib/webauthn';
import { z } from '@/lib/zod';

const PasswordInputSchema = z.object({ password: z.string().min(1, 'Enter your password.') });

type Method = 'password' | 'code' | 'recovery';

/** The submit button of every way to confirm here. */
const CONFIRM = { label: 'Confirm', pending: 'Confirming…' };
const RECOVERY_INSTEAD = 'Use a recovery code instead';

/**
 * "Confirm it's you": shown when a sensitive request was refused with 403 `reauthentication_required`
 * (lib/reauthentication.ts). The user confirms with their password, an authenticator code or a passkey;
 * the refused request is then sent again by the API client, so what they were doing completes. An account
 * with a second factor is not offered the password, however its session signed in: the server would refuse it.
 * Nor is an account with no password (created through a provider): without a second factor, it confirms with a
 * provider connected to it (the provider signs its user in again, and sends the browser back here: the refused
 * request is lost with the page, so the user makes the change again), or, with none the server still offers, is
 * told to sign in again. An account with a password may confirm with a provider too.
 *
 * It sits above the pages (the signed-in layout), outside their QueryProvider: it passes the client itself.
 */
export function ReauthenticateDialog({ prompt }: { prompt: ReauthenticationPrompt }) {
  const status = useQuery(mfaStatusQueryOptions(), queryClient);
  const identities = useQuery(identitiesQueryOptions(), queryClient);
  // A failure to read them offers no provider: the other ways, or the advice to sign in again, remain.
  const providers = useQuery(oidcProvidersQueryOptions(), queryClient);
  const location = useLocation();
  // Leaves the page: the callback page comes back to this one (its path and search) once the provider answered.
  const leave = useMutation(
    { mutationFn: (provider: OidcProvider) => startOidc(provider, 'reauthenticate', `${location.pathname}${location.search}`) },
    queryClient,
  );
  // Back from the provider's page with the browser's Back button: its button is no longer "Going to …".
  useResetOnReturn(leave.reset);
  const mutation = useMutation(
    {
      mutationFn: (input: ReauthenticateInput | 'passkey') => (input === 'passkey' ? reauthenticateWithPasskey() : reauthenticate(input)),
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: queryKeys.mfa });
        prompt.confirmed();
      },
      // Refused for the way chosen (a second factor was added on another device since the status loaded): the
      // status is read again, so the dialog offers the ways that can work now.
      onError: (error) => {
        if (error instanceof ApiError && error.code === 'reauthentication_required') void queryClient.invalidateQueries({ queryKey: queryKeys.mfa });
      },
      // A confirmation and a wrong password or code are both recorded (reauthenticated, password_check_failed,
      // mfa_failed): the security activity is read again either way.
      onSettled: () => void queryClient.invalidateQueries({ queryKey: queryKeys.activity }),
    },
    queryClient,
  );
  const [chosen, setChosen] = useState<Method | null>(null);
  const loading = status.isPending || identities.isPending || providers.isPending;

  // Unknown (the status could not load): offer every way; the server judges anyway.
  const known = status.data;
  const twoSteps = known?.mfa_enabled === true;
  // Unknown (they could not load): the password is offered, as before accounts could have none.
  const passwordless = identities.data?.has_password === false;
  const offersPassword = !twoSteps && !passwordless;
  const offersCode = known ? known.totp.enabled : true;
  // The way in for someone who lost the app (or whose app codes are locked): spent, as at sign-in.
  const offersRecovery = known ? known.recovery_codes.remaining > 0 : true;
  const offersPasskey = passkeysSupported() && (known ? known.passkeys.length > 0 : true);
  const method: Method | null = chosen ?? (offersPassword ? 'password' : offersCode ? 'code' : null);
  // The providers connected to the account that the server still offers: one factor, as the password is, so not for
  // an account with a second factor (the server would refuse it).
  const connected = identities.data?.identities ?? [];
  const confirmers = twoSteps ? [] : (providers.data ?? []).filter((provider) => connected.some((identity) => identity.provider === provider.id));
  const leaving = leave.isPending || leave.isSuccess;
  // The ways this account has, in the words of the description: the app, a passkey; else the recovery codes.
  const ways = secondFactorWords({ app: offersCode, passkey: offersPasskey }) ?? (offersRecovery ? 'one of your recovery codes' : null);

  // The dialog opens on the spinner, so the focus goes to ×, its only control then. Once the ways are known, a form
  // takes it (autoFocus); with no form (a passkey, a provider, or advice to sign in again) it goes to the main action
  // marked data-autofocus, the one the dialog would have focused first had it been there at once.
  const options = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const node = options.current;
    if (loading || !node || node.contains(document.activeElement)) return;
    node.querySelector<HTMLElement>('[data-autofocus]')?.focus();
  }, [loading]);

  function cancel() {
    if (!mutation.isPending && !leaving) prompt.cancelled();
  }

  function choose(next: Method) {
    mutation.reset();
    setChosen(next);
  }

  const passkeyError = mutation.variables === 'passkey' && mutation.error ? (passkeyFailureMessage(mutation.error) ?? errorMessage(mutation.error)) : null;
  const formError = mutation.variables !== 'passkey' ? mutation.error : null;

  return (
    <Dialog
      title="Confirm it's you"
      description={
        twoSteps
          ? `This change needs a recent sign-in. Your account has two-step verification${ways ? `, so confirm with ${ways}` : ''}.`
          : method === null && confirmers.length
            ? // The provider's page replaces this one: nothing completes by itself (the way back says so).
              'This change needs a recent sign-in. Confirm it’s you to continue.'
            : 'This change needs a recent sign-in. Confirm it’s you to continue; what you were doing then completes.'
      }
      onClose={cancel}
    >
      {loading ? (
        <Spinner label="Loading your sign-in options…" />
      ) : (
        <div className="stack" ref={options}>
          {method === 'password' ? (
            <PasswordStep pending={mutation.isPending} error={formError} onSubmit={(password) => mutation.mutate({ password })} />
          ) : method === 'code' ? (
            // autoFocus: the form may mount after the dialog opened (once the options are known).
            // A wrong code names the way out for someone whose app is lost or out of step, as sign-in's second step does.
            <TotpCodeForm
              autoFocus
              submit={CONFIRM}
              pending={mutation.isPending}
              error={formError}
              wrongCode={wrongAppCode(offersRecovery && twoSteps ? RECOVERY_INSTEAD : undefined)}
              onSubmit={(code) => mutation.mutate({ code })}
            />
          ) : method === 'recovery' ? (
            <RecoveryCodeForm autoFocus submit={CONFIRM} pending={mutation.isPending} error={formError} onSubmit={(recovery_code) => mutation.mutate({ recovery_code })} />
          ) : null}
          {confirmers.length ? (
            <ProviderStep
              providers={confirmers}
              instead={method === null && passwordless}
              main={method === null && !offersPasskey}
              going={leaving ? leave.variables : null}
              problem={leave.isError ? oidcStartProblem(leave.error, leave.variables) : null}
              onChoose={(provider) => leave.mutate(provider)}
            />
          ) : method === null && passwordless && !twoSteps ? (
            // No way to confirm here: what to do is the main thing to hear (tabIndex -1: focusable, not a Tab stop).
            <p tabIndex={-1} data-autofocus="">
              {signInAgain(connected.map((identity) => identity.provider_name))}
            </p>
          ) : method === null && !offersPasskey ? (
            <p tabIndex={-1} data-autofocus="">
              This browser cannot use your passkeys here. Sign out and sign in again, then try once more.
            </p>
          ) : null}
          <FormAlert messages={passkeyError ? [passkeyError] : []} />
          <div className="stack stack--tight">
            {method !== 'password' && offersPassword ? (
              <button type="button" className="button button--ghost" onClick={() => choose('password')}>
                Use your password instead
              </button>
            ) : null}
            {method !== 'code' && offersCode ? (
              <button type="button" className="button button--ghost" onClick={() => choose('code')}>
                Use your authenticator app instead
              </button>
            ) : null}
            {method !== 'recovery' && offersRecovery && twoSteps ? (
              <button type="button" className="button button--ghost" onClick={() => choose('recovery')}>
                {RECOVERY_INSTEAD}
              </button>
            ) : null}
            {offersPasskey ? (
              <BusyButton
                className="button button--secondary"
                busy={mutation.isPending && mutation.variables === 'passkey'}
                onClick={() => mutation.mutate('passkey')}
                // The way to confirm when there is no form: an account whose second factor is a passkey.
                data-autofocus={method === null ? '' : undefined}
              >
                {mutation.isPending && mutation.variables === 'passkey' ? 'Waiting for your passkey…' : 'Use a passkey'}
              </BusyButton>
            ) : null}
          </div>
          <div className="dialog__actions">
            <button type="button" className="button button--secondary" onClick={cancel}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </Dialog>
  );
}

interface ProviderStepProps {
  providers: OidcProvider[];
  /** The account has no password: this is its way to confirm, not another one. */
  instead: boolean;
  /** The main way to confirm (no form, no passkey): its first button takes the focus once the ways are known. */
  main: boolean;
  /** The provider the browser is on its way to. */
  going: OidcProvider | null;
  problem: string | null;
  onChoose: (provider: OidcProvider) => void;
}

/** "Confirm with Google": the provider signs its user in again, then sends the browser back to this page. */
function ProviderStep({ providers, instead, main, going, problem, onChoose }: ProviderStepProps) {
  return (
    <div className="stack stack--tight">
      <p>
        {instead ? 'Your account has no password to confirm with. ' : 'Or '}
        {instead ? 'Confirm' : 'confirm'} by signing in again at {providers.map((provider) => provider.name).join(' or ')}. You then come back to this page,
        where you make the change again.
      </p>
      <FormAlert messages={problem ? [problem] : []} />
      <div className="row row--wrap">
        {providers.map((provider, index) => (
          <BusyButton
            key={provider.id}
            className="button button--secondary"
            busy={going !== null}
            onClick={() => onChoose(provider)}
            data-autofocus={main && index === 0 ? '' : undefined}
          >
            {going?.id === provider.id ? `Going to ${provider.name}…` : `Confirm with ${provider.name}`}
          </BusyButton>
        ))}
      </div>
    </div>
  );
}

/** What an account with no password and no second factor can do: a new sign-in is a recent authentication. */
function signInAgain(providers: string[]): string {
  const ways = [...new Set(providers)].map((name) => `with ${name}`);
  ways.push('with a code emailed to you');
  const said = ways.length === 1 ? ways[0] : `${ways.slice(0, -1).join(', ')} or ${ways[ways.length - 1]}`;
  return `Your account has no password to confirm with. Sign out, sign in again ${said}, then make this change straight away.`;
}

interface StepProps<T> {
  pending: boolean;
  error: unknown;
  onSubmit: (value: T) => void;
}

function PasswordStep({ pending, error, onSubmit }: StepProps<string>) {
  const form = useForm(PasswordInputSchema, { password: '' }, ({ password }) => onSubmit(password), error);
  return (
    <form className="stack" onSubmit={form.onSubmit} noValidate>
      <FormAlert messages={form.formErrors} />
      {/* autoFocus: the form may mount after the dialog opened (once the options are known). */}
      <TextField label="Password" type="password" autoComplete="current-password" autoFocus required {...form.bind('password')} errors={form.errors('password')} />
      <div>
        <SubmitButton pending={pending} pendingLabel={CONFIRM.pending}>
          {CONFIRM.label}
        </SubmitButton>
      </div>
    </form>
  );
}
