import { useRef, useState } from 'react';
import { ConfirmDialog } from '@/components/dialog';
import { ErrorState, Spinner } from '@/components/feedback';
import { errorMessage } from '@/lib/api-error';
import { describeMethods } from '@/lib/authentication-methods';
import { formatDateTime, formatRelative } from '@/lib/format';
import { showToast } from '@/lib/toasts';
import { useFocusAfterRemoval } from '@/lib/use-focus-after-removal';
import { type AuthSession, useSessions } from '@/features/account/api/get-sessions';
import { useRevokeSession } from '@/features/account/api/revoke-session';
import { useSignOutEverywhere } from '@/features/account/api/sign-out-everywhere';
import { describeUserAgent } from '@/features/account/user-agent';

/**
 * The name of each session's Revoke: its device, IP and time of sign-in, which tell two sessions of one device apart
 * (a phone signed in twice). Those alike even so (signed in within the same minute, from the same IP) are numbered.
 */
function revokeNames(sessions: AuthSession[]): Map<string, string> {
  const base = (session: AuthSession) =>
    `Revoke ${describeUserAgent(session.user_agent)}, IP ${session.ip_address ?? 'unknown'}, signed in ${formatDateTime(session.created_at)}`;
  const alike = new Map<string, string[]>();
  for (const session of sessions) alike.set(base(session), [...(alike.get(base(session)) ?? []), session.id]);
  const names = new Map<string, string>();
  for (const [name, ids] of alike) ids.forEach((id, index) => names.set(id, ids.length > 1 ? `${name} (${index + 1} of ${ids.length})` : name));
  return names;
}

/** Where the user is signed in, with revoke per session and "sign out everywhere". */
export function SessionsPanel() {
  const sessions = useSessions();
  const revoke = useRevokeSession();
  const everywhere = useSignOutEverywhere();
  const [confirmEverywhere, setConfirmEverywhere] = useState(false);
  const [revoking, setRevoking] = useState<AuthSession | null>(null);
  const list = useRef<HTMLUListElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  // The revoked row's button goes with it: the focus goes to the next row's Revoke (else the previous', else the heading).
  const removing = useFocusAfterRemoval(sessions.data?.map((session) => session.id) ?? [], { list, fallback: heading, held: revoking !== null });

  const revokeName = revokeNames(sessions.data?.filter((session) => !session.current) ?? []);

  function confirmRevoke(session: AuthSession) {
    removing(session.id);
    revoke.mutate(session.id, {
      onSuccess: () => {
        setRevoking(null);
        showToast({ message: <>Signed out <bdi>{describeUserAgent(session.user_agent)}</bdi>.</> });
      },
    });
  }

  return (
    <section className="card" aria-labelledby="sessions-title">
      <div className="card__header">
        <div>
          <h2 className="card__title" id="sessions-title" ref={heading} tabIndex={-1}>
            Active sessions
          </h2>
          <p className="card__subtitle">Devices signed in to your account. Revoke any you do not recognise.</p>
        </div>
        <button
          type="button"
          className="button button--danger"
          onClick={() => {
            // A new attempt, not the last one's error. Unless that one still runs (its dialog closed once it stalled):
            // the reopened dialog then says so, rather than offering to send it again.
            if (!everywhere.isPending) everywhere.reset();
            setConfirmEverywhere(true);
          }}
        >
          Sign out everywhere
        </button>
      </div>
      {sessions.isPending ? (
        <Spinner label="Loading sessions…" />
      ) : sessions.isError ? (
        <ErrorState message={`Could not load your sessions. ${errorMessage(sessions.error)}`} onRetry={() => void sessions.refetch()} />
      ) : (
        <ul className="sessions" aria-label="Sessions" ref={list}>
          {sessions.data.map((session) => (
            <li key={session.id} className="session" data-testid="session-row">
              <div className="session__main">
                <p className="session__device">
                  {describeUserAgent(session.user_agent)}
                  {session.current ? <span className="badge badge--current">This device</span> : null}
                </p>
                <p className="session__meta">
                  <span>IP {session.ip_address ?? 'unknown'}</span>
                  {/* The exact time in the text: a title is a tooltip only a pointer (not a keyboard, nor a touch) brings up. */}
                  <span>
                    Last used <time dateTime={session.last_used_at}>{formatRelative(session.last_used_at)}</time> ({formatDateTime(session.last_used_at)})
                  </span>
                  <span>Signed in {formatDateTime(session.created_at)}</span>
                  {session.amr.length ? <span>{describeMethods(session.amr)}</span> : null}
                </p>
                {/* Whole, wrapping anywhere (account.css): it is what tells two sessions of one browser apart. */}
                <p className="session__agent">{session.user_agent || 'No user agent'}</p>
              </div>
              {session.current ? null : (
                <button
                  type="button"
                  className="button button--secondary button--small"
                  data-removal-focus={session.id}
                  aria-label={revokeName.get(session.id)}
                  onClick={() => {
                    revoke.reset();
                    setRevoking(session);
                  }}
                >
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {revoking ? (
        <ConfirmDialog
          title="Revoke this session?"
          description={
            <>
              <bdi>{describeUserAgent(revoking.user_agent)}</bdi> (IP {revoking.ip_address ?? 'unknown'}, last used {formatRelative(revoking.last_used_at)}) will be signed
              out at once.
            </>
          }
          confirmLabel="Revoke"
          pending={revoke.isPending}
          error={revoke.error ? `Could not revoke the session: ${errorMessage(revoke.error)}` : null}
          onConfirm={() => confirmRevoke(revoking)}
          onCancel={() => setRevoking(null)}
        />
      ) : null}
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
