import type { TaskDraft } from '@/features/tasks/task-drafts';

/**
 * A task dialog a session ended in the middle of (features/tasks/task-drafts.ts), offered back: not a dialog of its
 * own, which would stand in the way of the page the user came back to.
 */
export function DraftOffer({ draft, onRestore, onDiscard }: { draft: TaskDraft | undefined; onRestore: () => void; onDiscard: () => void }) {
  const title = draft?.values.title.trim();
  return (
    <div className="live" role="status">
      {draft ? (
        <div className="alert alert--warning row row--between row--wrap">
          <p>
            {draft.base ? (
              <>
                You have unsaved changes to “<bdi>{draft.base.title}</bdi>”.
              </>
            ) : title ? (
              <>
                You have an unsaved new task: “<bdi>{title}</bdi>”.
              </>
            ) : (
              'You have an unsaved new task.'
            )}
          </p>
          <div className="row">
            <button type="button" className="button button--secondary button--small" onClick={onRestore}>
              Restore draft
            </button>
            <button type="button" className="button button--ghost button--small" onClick={onDiscard}>
              Discard draft
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
