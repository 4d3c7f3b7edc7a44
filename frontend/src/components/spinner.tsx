/**
 * The loading spinners, on their own so that the boot path (the route guards, the route table's Suspense) does not
 * bring the rest of components/feedback.tsx, which re-exports them.
 */
export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="spinner" role="status">
      <span className="spinner__ring" aria-hidden="true" />
      <span className="visually-hidden">{label}</span>
    </div>
  );
}

export function FullPageSpinner({ label }: { label?: string }) {
  return (
    <div className="fullscreen">
      <Spinner label={label} />
    </div>
  );
}
