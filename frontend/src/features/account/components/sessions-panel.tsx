import { useState } from 'react';
import { ConfirmDialog } from '@/components/dialog';
import { BusyButton, ErrorState, FormAlert, Spinner } from '@/components/feedback';
import { errorMessage } from '@/lib/api-error';
import { formatDateTime, formatRelative } from '@/lib/format';
import { useSessions } from '@/features/account/api/get-sessions';
import { useRevokeSession } from '@/features/account/api/revoke-session';
import { useSignOutEverywhere } from '@/features/account/api/sign-out-everywhere';
import { describeUserAgent } from '@/features/account/user-agent';

/** Where the user is signed in, with revoke per session and "sign out everywhere". */
export function SessionsPanel() {
  const sessions = useSessions();
  const revoke = useRevokeSession();
  const everywhere = useSignOutEverywhere();
  const [confirmEverywhere, setConfirmEverywhere] = useState(false);

  return (
    <section className="card" aria-labelledby="sessions-title">
      <div className="card__header">
        <div>
          <h2 className="card__title" id="sessions-title">Active sessions</h2>
          <p className="card__subtitle">Devices signed in to your account. Revoke any you do not recognise.</p>
        </div>
        <button type="button" className="button button--danger" onClick={() => setConfirmEverywhere(true)}>
          Sign out everywhere
        </button>
      </div>
      <FormAlert messages={revoke.error ? [`Could not revoke the session: ${errorMessage(revoke.error)}`] : []} />
      {sessions.isPending ? (
        <Spinner label="Loading sessions…" />
      ) : sessions.isError ? (
        <ErrorState message={`Could not load your sessions. ${errorMessage(sessions.error)}`} onRetry={() => void sessions.refetch()} />
      ) : (
        <ul className="sessions" aria-label="Sessions">
          {sessions.data.map((session) => (
            <li key={session.id} className="session" data-testid="session-row">
              <div className="session__main">
                <p className="session__device">
                  {describeUserAgent(session.user_agent)}
                  {session.current ? <span className="badge badge--current">This device</span> : null}
                </p>
                <p className="session__meta">
                  <span>IP {session.ip_address ?? 'unknown'}</span>
                  <span>
                    Last used <time dateTime={session.last_used_at} title={formatDateTime(session.last_used_at)}>{formatRelative(session.last_used_at)}</time>
                  </span>
                  <span>Signed in {formatDateTime(session.created_at)}</span>
                </p>
                <p className="session__agent" title={session.user_agent}>{session.user_agent || 'No user agent'}</p>
              </div>
              {session.current ? null : (
                <BusyButton
                  className="button button--secondary button--small"
                  busy={revoke.isPending && revoke.variables === session.id}
                  aria-label={`Revoke ${describeUserAgent(session.user_agent)}, last used ${formatRelative(session.last_used_at)}`}
                  onClick={() => revoke.mutate(session.id)}
                >
                  {revoke.isPending && revoke.variables === session.id ? 'Revoking…' : 'Revoke'}
                </BusyButton>
              )}
            </li>
          ))}
        </ul>
      )}
      {confirmEverywhere ? (
        <ConfirmDialog
          title="Sign out everywhere?"
          description="Every device, this one included, will be signed out at once."
          confirmLabel="Sign out everywhere"
          pending={everywhere.isPending}
          error={everywhere.error ? errorMessage(everywhere.error) : null}
          onConfirm={() => everywhere.mutate()}
          onCancel={() => setConfirmEverywhere(false)}
        />
      ) : null}
    </section>
  );
}
