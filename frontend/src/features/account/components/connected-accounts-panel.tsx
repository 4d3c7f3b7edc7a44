import { useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { ConfirmDialog } from '@/components/dialog';
import { BusyButton, ErrorState, FormAlert, Spinner } from '@/components/feedback';
import { ApiError, errorMessage } from '@/lib/api-error';
import { formatDateTime, formatDay, formatRelative } from '@/lib/format';
import { mfaStatusQueryOptions } from '@/lib/mfa-status';
import { type ConnectedIdentity, oidcStartProblem, useOidcProviders, useResetOnReturn } from '@/lib/oidc';
import { useCurrentUser } from '@/lib/session';
import { showToast } from '@/lib/toasts';
import { useFocusAfterRemoval } from '@/lib/use-focus-after-removal';
import { useConnectOidcProvider } from '@/features/account/api/connect-oidc-provider';
import { useDisconnectIdentity } from '@/features/account/api/disconnect-identity';
import { useIdentities } from '@/features/account/api/get-identities';

/**
 * The accounts at OpenID Connect providers (Google, Microsoft, …) that sign in to this one: each with its address
 * and when it was connected and last used, "Disconnect" (confirmed), and "Connect …" for each provider the server
 * offers that is not connected yet. Not shown at all when the server offers none and none is connected.
 * While the address is unconfirmed, no "Connect": the server refuses it (403 `email_not_verified`), since a provider
 * connected by whoever registered someone else's address would sign them in after the owner's password reset.
 */
export function ConnectedAccountsPanel() {
  const identities = useIdentities();
  // A failure to read them shows no "Connect" buttons, as on the sign-in page: the rest of the panel still works.
  const providers = useOidcProviders();
  const user = useCurrentUser();
  // Whether the server asks for a confirmed address (only it knows whether verification is on: with it off, an
  // unconfirmed address connects): read only for an unconfirmed address, and only when there is something to connect.
  // Unknown (loading, or unreadable), the buttons stay: the server's 403 says why, should it refuse.
  const confirmation = useQuery({ ...mfaStatusQueryOptions(), enabled: !user.email_verified && providers.length > 0 });
  const unconfirmed = !user.email_verified && confirmation.data?.email_confirmation_required === true;
  const connect = useConnectOidcProvider();
  useResetOnReturn(connect.reset);
  const disconnect = useDisconnectIdentity();
  const [removing, setRemoving] = useState<ConnectedIdentity | null>(null);
  const list = useRef<HTMLUListElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const connected = identities.data?.identities ?? [];
  // The row's Disconnect goes with it: the focus goes to the next row's (else the previous', else the heading).
  const removed = useFocusAfterRemoval(
    connected.map((identity) => identity.id),
    { list, fallback: heading, held: removing !== null },
  );

  if (providers.length === 0 && connected.length === 0) return null;

  function confirmDisconnect(identity: ConnectedIdentity) {
    removed(identity.id);
    disconnect.mutate(identity.id, {
      onSuccess: () => {
        setRemoving(null);
        showToast({ message: <>{identity.provider_name} disconnected.</> });
      },
      onError: (error) => {
        // Gone already (disconnected elsewhere): the list, read again, says so.
        if (error instanceof ApiError && error.status === 404) setRemoving(null);
      },
    });
  }

  // Offered only once the connected ones are known: never "Connect" for one that is.
  const connectable = identities.isSuccess ? providers.filter((provider) => !connected.some((identity) => identity.provider === provider.id)) : [];
  const leaving = connect.isPending || connect.isSuccess;
  const connectProblem = connect.isError ? oidcStartProblem(connect.error, connect.variables) : null;
  const passwordless = identities.data?.has_password === false;

  return (
    <section className="card" aria-labelledby="connected-accounts-title">
      <div className="card__header">
        <div>
          <h2 className="card__title" id="connected-accounts-title" ref={heading} tabIndex={-1}>
            Connected accounts
          </h2>
          <p className="card__subtitle">Accounts you have with other services that can sign you in here.</p>
        </div>
      </div>
      <div className="stack">
        {identities.isPending ? (
          <Spinner label="Loading your connected accounts…" />
        ) : identities.isError ? (
          <ErrorState message={`Could not load your connected accounts. ${errorMessage(identities.error)}`} onRetry={() => void identities.refetch()} />
        ) : connected.length ? (
          <ul className="sessions" aria-label="Connected accounts" ref={list}>
            {connected.map((identity) => (
              <li key={identity.id} className="session">
                <div className="session__main">
                  <p className="session__device">{identity.provider_name}</p>
                  <p className="session__meta">
                    {identity.email ? <bdi>{identity.email}</bdi> : null}
                    <span>Connected {formatDay(identity.created_at)}</span>
                    <span>
                      {identity.last_used_at ? (
                        <>
                          Last used to sign in{' '}
                          <time dateTime={identity.last_used_at} title={formatDateTime(identity.last_used_at)}>
                            {formatRelative(identity.last_used_at)}
                          </time>
                        </>
                      ) : (
                        'Not used to sign in yet'
                      )}
                    </span>
                  </p>
                </div>
                <button
                  type="button"
                  className="button button--secondary button--small"
                  data-removal-focus={identity.id}
                  aria-label={identity.email ? `Disconnect ${identity.provider_name} (${identity.email})` : `Disconnect ${identity.provider_name}`}
                  onClick={() => {
                    disconnect.reset();
                    setRemoving(identity);
                  }}
                >
                  Disconnect
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p>None yet. Connect one to sign in with it, without your password.</p>
        )}
        {connectable.length && unconfirmed ? (
          <p>
            Confirm your email address before connecting a sign-in provider: open the link we emailed to <bdi>{user.email}</bdi> (under Email address, you can
            have it sent again), then come back here.
          </p>
        ) : connectable.length ? (
          <div className="stack stack--tight">
            <FormAlert messages={connectProblem ? [connectProblem] : []} />
            <div className="row row--wrap">
              {connectable.map((provider) => (
                <BusyButton key={provider.id} className="button button--secondary" busy={leaving} onClick={() => connect.mutate(provider)}>
                  {leaving && connect.variables.id === provider.id ? `Going to ${provider.name}…` : `Connect ${provider.name}`}
                </BusyButton>
              ))}
            </div>
          </div>
        ) : null}
      </div>
      {removing ? (
        <ConfirmDialog
          title={`Disconnect ${removing.provider_name}?`}
          description={
            <>
              {removing.email ? (
                <>
                  The {removing.provider_name} account <bdi>{removing.email}</bdi> will no longer sign you in here.
                </>
              ) : (
                `Your ${removing.provider_name} account will no longer sign you in here.`
              )}
              {passwordless
                ? ' Your account has no password: sign in afterwards with an emailed code or another connected account, or set a password first.'
                : null}
            </>
          }
          confirmLabel="Disconnect"
          pending={disconnect.isPending}
          error={disconnect.error ? `Could not disconnect it: ${errorMessage(disconnect.error)}` : null}
          onConfirm={() => confirmDisconnect(removing)}
          onCancel={() => setRemoving(null)}
        />
      ) : null}
    </section>
  );
}
