import { describeMethods } from '@/lib/authentication-methods';
import { formatDateTime, formatRelative } from '@/lib/format';
import type { MfaStatus } from '@/lib/mfa-status';

/** How this session was signed in, what sensitive changes ask for (`twoSteps`: the account has a second factor),
 * and until when they need no new confirmation. */
export function ThisSessionPanel({ session, twoSteps }: { session: MfaStatus['session']; twoSteps: boolean }) {
  const until = session.reauthenticated_until && new Date(session.reauthenticated_until) > new Date() ? session.reauthenticated_until : null;
  return (
    <section className="card" aria-labelledby="this-session-title">
      <h2 className="card__title" id="this-session-title">This session</h2>
      <dl className="facts">
        <div>
          <dt>Signed in with</dt>
          <dd>{describeMethods(session.amr)}</dd>
        </div>
        <div>
          <dt>Protection</dt>
          {/* What the server asks for is the account's level, whatever this session signed in with. */}
          <dd>{twoSteps ? 'Two steps: sensitive changes ask for your authenticator app or a passkey.' : 'One step: sensitive changes ask for your password.'}</dd>
        </div>
        {session.authenticated_at ? (
          <div>
            <dt>Last confirmed</dt>
            <dd>
              <time dateTime={session.authenticated_at} title={formatDateTime(session.authenticated_at)}>
                {formatRelative(session.authenticated_at)}
              </time>
            </dd>
          </div>
        ) : null}
        <div>
          <dt>Sensitive changes</dt>
          <dd>
            {until ? (
              <>
                Allowed without confirming again until <time dateTime={until}>{formatDateTime(until)}</time>
              </>
            ) : (
              'You will be asked to confirm it’s you first.'
            )}
          </dd>
        </div>
      </dl>
    </section>
  );
}
