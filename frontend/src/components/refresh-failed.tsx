import { useLayoutEffect, useRef } from 'react';
import { BusyButton } from '@/components/feedback';
import { focusPageHeading } from '@/components/page-heading';

/**
 * A background refresh that failed while its data was on screen (TanStack Query keeps the data, with isError): the
 * data stays, with a word saying it may be out of date and a way to try again (the dashboard, the task list).
 * Polite (role=status, not an alert): nothing is lost, so nothing interrupts the user or takes the focus. The live
 * region is always in the page (one mounted together with its text is often not announced); empty, it takes no room.
 * It holds the sentence only, not the button.
 */
export function RefreshFailed({ failed, retrying, onRetry }: { failed: boolean; retrying: boolean; onRetry: () => void }) {
  const retried = useRef(false);
  // A retry that worked takes its button away, and the focus with it (to <body>): to the page's heading instead, as
  // after a navigation, unless the user went on elsewhere meanwhile.
  useLayoutEffect(() => {
    if (failed || !retried.current) return;
    retried.current = false;
    const active = document.activeElement;
    if (!active || active === document.body) focusPageHeading();
  }, [failed]);
  // Only the sentence is in the live region (atomic, as role=status is): with the button in it, "Retry" turning
  // "Retrying…" would have the whole region, sentence and all, read out again. Without a failure the box is out of the
  // flow (feedback.css), taking no room, and the region stays in the page, empty.
  return (
    <div className={`refresh-failed${failed ? ' alert alert--warning row row--between' : ''}`}>
      <p className="live" role="status">
        {failed ? "Couldn't refresh — showing what was loaded." : null}
      </p>
      {failed ? (
        <BusyButton
          className="button button--secondary button--small"
          busy={retrying}
          onClick={() => {
            retried.current = true;
            onRetry();
          }}
        >
          {retrying ? 'Retrying…' : 'Retry'}
        </BusyButton>
      ) : null}
    </div>
  );
}
