import { ErrorState, FormAlert } from '@/components/feedback';
import { errorMessage } from '@/lib/api-error';
import { formatDateTime } from '@/lib/format';
import { showToast } from '@/lib/toasts';
import { useCancelEmailChange, usePendingEmailChange } from '@/features/account/api/pending-email-change';

/**
 * The email change waiting for its link, with a way to call it off (a change asked for a mistyped address,
 * or one the owner no longer wants). Nothing while there is none, or while it loads.
 */
export function PendingEmailChange() {
  const query = usePendingEmailChange();
  const cancel = useCancelEmailChange();
  if (query.isError) {
    return <ErrorState message={`Could not check for a pending email change. ${errorMessage(query.error)}`} onRetry={() => void query.refetch()} />;
  }
  const pending = query.data?.pending;
  if (!pending) return null;
  return (
    <div className="alert alert--warning stack">
      <p>
        Pending change to <bdi className="email-status__address">{pending.new_email}</bdi>, asked {formatDateTime(pending.requested_at)}.
      </p>
      <p>
        If that address can be used, the link sent to it works until <time dateTime={pending.expires_at}>{formatDateTime(pending.expires_at)}</time>.
        Your address stays the same until it is opened.
      </p>
      <FormAlert messages={cancel.isError ? [`Could not cancel the change. ${errorMessage(cancel.error)}`] : []} />
      <div>
        <button
          type="button"
          className="button button--secondary button--small"
          disabled={cancel.isPending}
          onClick={() => cancel.mutate(undefined, { onSuccess: () => showToast({ message: <>Email change to <bdi>{pending.new_email}</bdi> cancelled.</> }) })}
        >
          {cancel.isPending ? 'Cancelling…' : 'Cancel this change'}
        </button>
      </div>
    </div>
  );
}
