import { useState } from 'react';
import { ErrorState, Spinner } from '@/components/feedback';
import { Pagination } from '@/components/pagination';
import { errorMessage } from '@/lib/api-error';
import { formatDateTime, formatRelative } from '@/lib/format';
import { ACTIVITY_PAGE_SIZE, type ActivityEvent, type KnownEvent, useActivity } from '@/features/account/api/get-activity';
import { describeUserAgent } from '@/features/account/user-agent';

/** What each event means to the account's owner (tsc asks for a new one); the server's description for any other. */
const EVENTS: Record<KnownEvent, string> = {
  register: 'Account created',
  login_succeeded: 'Signed in',
  login_failed: 'Failed sign-in attempt',
  login_locked: 'Sign-in locked after failed attempts',
  refresh_reused: 'A stolen session was detected and ended',
  logout: 'Signed out',
  logout_all: 'Signed out everywhere',
  password_changed: 'Password changed',
  password_check_failed: 'Wrong current password given',
  password_guesses_revoked: 'Session ended after wrong current passwords',
  password_reset: 'Password reset',
  session_revoked: 'A session was revoked',
  admin_sessions_revoked: 'Sessions revoked by an administrator',
  email_verified: 'Email address verified',
  email_change_requested: 'Email change requested',
  email_change_cancelled: 'Email change cancelled',
  email_changed: 'Email address changed',
  data_exported: 'Your data was downloaded',
  account_deleted: 'Account deleted',
  reauthenticated: 'Confirmed it was you for a sensitive change',
  mfa_failed: 'Wrong second-step code or passkey',
  totp_enabled: 'Authenticator app turned on',
  totp_disabled: 'Authenticator app turned off',
  recovery_codes_generated: 'New recovery codes made',
  recovery_code_used: 'Recovery code used',
  passkey_added: 'Passkey added',
  passkey_removed: 'Passkey deleted',
  mfa_reset: 'Second factors reset by an administrator',
  mfa_reset_by_password_reset: 'Second factors removed: the password reset confirmed your address',
  oidc_connected: 'Sign-in provider connected',
  oidc_disconnected: 'Sign-in provider disconnected',
};

export function describeEvent(event: ActivityEvent): string {
  return (EVENTS as Record<string, string | undefined>)[event.event] ?? (event.description || event.event);
}

function ActivityRow({ event }: { event: ActivityEvent }) {
  return (
    <li className="session" data-testid="activity-row">
      <div className="session__main">
        <p className="session__device">
          {describeEvent(event)}
          {event.current_session ? <span className="badge badge--current">This session</span> : null}
        </p>
        <p className="session__meta">
          <span>
            <time dateTime={event.occurred_at} title={formatDateTime(event.occurred_at)}>
              {formatRelative(event.occurred_at)}
            </time>
          </span>
          {event.user_agent ? <span>{describeUserAgent(event.user_agent)}</span> : null}
          {event.ip_address ? <span>IP {event.ip_address}</span> : null}
        </p>
      </div>
    </li>
  );
}

/** The account's security events, newest first, a page at a time. */
export function ActivityPanel() {
  const [page, setPage] = useState(1);
  const activity = useActivity(page);
  return (
    <section className="card" aria-labelledby="activity-title">
      <div className="card__header">
        <div>
          <h2 className="card__title" id="activity-title">Security activity</h2>
          <p className="card__subtitle">Sign-ins and changes to your account. Anything you do not recognise? Change your password.</p>
        </div>
      </div>
      {activity.isPending ? (
        <Spinner label="Loading activity…" />
      ) : activity.isError ? (
        <ErrorState message={`Could not load your activity. ${errorMessage(activity.error)}`} onRetry={() => void activity.refetch()} />
      ) : activity.data.results.length === 0 ? (
        <p className="card__subtitle">Nothing yet.</p>
      ) : (
        <div className="stack">
          <ul className="sessions" aria-label="Security events" aria-busy={activity.isPlaceholderData || undefined}>
            {activity.data.results.map((event) => (
              <ActivityRow key={event.id} event={event} />
            ))}
          </ul>
          <Pagination page={page} pageSize={ACTIVITY_PAGE_SIZE} count={activity.data.count} onPage={setPage} />
        </div>
      )}
    </section>
  );
}
