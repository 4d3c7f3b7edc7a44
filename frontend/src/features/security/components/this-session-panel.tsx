import { describeMethods } from '@/lib/authentication-methods';
import { formatDateTime, formatRelative } from '@/lib/format';
import type { MfaStatus } from '@/lib/mfa-status';
import { secondFactorWords } from '@/lib/second-factor';

/** How this session was signed in, what sensitive changes ask for (the account's second factors, if it has any),
 * and until when they need no new confirmation. */
export function ThisSessionPanel({ status }: { status: MfaStatus }) {
  const { session } = status;
  // Only the factors the account has: one with the app alone is not sent looking for a passkey.
  const factors = secondFactorWords({ app: status.totp.enabled, passkey: status.passkeys.length > 0 }) ?? 'your second factor';
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
          <dd>{status.mfa_enabled ? `Two steps: sensitive changes ask for ${factors}.` : 'One step: sensitive changes ask for your password.'}</dd>
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
