import { useId } from 'react';
import { BusyButton } from '@/components/feedback';
import { formatDate, localIsoDate } from '@/lib/format';
import { type Task, isOverdue } from '@/features/tasks/types';
import { PRIORITY_LABELS, STATUS_LABELS } from '@/types/task';

interface TaskListProps {
  tasks: Task[];
  selected: ReadonlySet<string>;
  /** Tasks whose status change is waiting for the server: their toggle is disabled meanwhile. */
  pendingStatus: ReadonlySet<string>;
  onSelect: (id: string, selected: boolean) => void;
  onSelectAll: (selected: boolean) => void;
  onToggleDone: (task: Task) => void;
  onEdit: (task: Task) => void;
  onDelete: (task: Task) => void;
  /** The list of other filters or another page is on its way (or waits for the connection): these rows are the old ones. */
  stale?: boolean;
}

export function TaskList({ tasks, selected, pendingStatus, onSelect, onSelectAll, onToggleDone, onEdit, onDelete, stale = false }: TaskListProps) {
  const ids = useId();
  // The browser's day: the list and the stats send its time zone (`?tz=`), so the server's "Overdue only" filter and
  // the dashboard's overdue count go by the same day as the badge.
  const today = localIsoDate();
  const allSelected = tasks.length > 0 && tasks.every((task) => selected.has(task.id));
  const someSelected = !allSelected && tasks.some((task) => selected.has(task.id));
  return (
    <div className={`task-list${stale ? ' task-list--stale' : ''}`}>
      <div className="task-list__header">
        <label className="checkbox">
          {/* Mixed when some rows are selected: "not checked" would tell a screen-reader user that none is.
              indeterminate is a DOM property only, hence the ref. */}
          <input
            type="checkbox"
            data-select-all=""
            ref={(node) => {
              if (node) node.indeterminate = someSelected;
            }}
            checked={allSelected}
            onChange={(event) => onSelectAll(event.target.checked)}
          />
          Select all on this page
        </label>
      </div>
      <ul className="task-list__items" aria-label="Tasks">
        {tasks.map((task) => {
          const done = task.status === 'done';
          const overdue = isOverdue(task, today);
          const titleId = `${ids}-${task.id}-title`;
          const metaId = `${ids}-${task.id}-meta`;
          return (
            // Focusable by script only (the j/k shortcuts): the shortcuts act on the row that has the focus. Named by
            // its title, described by its badges: from its content, a focused row would be read with every control's
            // name, each repeating the title. Not named by the badges too: "High priority" in every row's name would
            // compete with the Priority filter for a speech-input user's "click Priority".
            <li
              key={task.id}
              className={`task${done ? ' task--done' : ''}`}
              data-testid="task-row"
              data-task-row={task.id}
              tabIndex={-1}
              aria-labelledby={titleId}
              aria-describedby={metaId}
            >
              <input
                type="checkbox"
                className="task__select"
                aria-label={`Select “${task.title}”`}
                checked={selected.has(task.id)}
                onChange={(event) => onSelect(task.id, event.target.checked)}
              />
              <BusyButton
                role="switch"
                aria-checked={done}
                className={`task__toggle${done ? ' task__toggle--on' : ''}`}
                aria-label={`Done: ${task.title}`}
                busy={pendingStatus.has(task.id)}
                onClick={() => onToggleDone(task)}
              >
                <span aria-hidden="true">{done ? '✓' : ''}</span>
              </BusyButton>
              <div className="task__body">
                {/* dir="auto": a title in Hebrew or Arabic runs right to left, its punctuation where it belongs. */}
                <p className="task__title" dir="auto" id={titleId}>
                  {task.title}
                </p>
                {task.description ? (
                  <p className="task__description" dir="auto">
                    {task.description}
                  </p>
                ) : null}
                {/* The spaces between the badges (nothing on screen, in a flex row) keep their words apart in the row's description. */}
                <div className="task__meta" id={metaId}>
                  <span className={`badge badge--status-${task.status}`}>{STATUS_LABELS[task.status]}</span>{' '}
                  <span className={`badge badge--priority-${task.priority}`}>{PRIORITY_LABELS[task.priority]} priority</span>{' '}
                  {task.due_date ? (
                    <span className="task__due">
                      Due <time dateTime={task.due_date}>{formatDate(task.due_date)}</time>
                    </span>
                  ) : null}{' '}
                  {overdue ? <span className="badge badge--overdue">Overdue</span> : null}
                </div>
              </div>
              <div className="task__actions">
                <button type="button" className="button button--secondary button--small" onClick={() => onEdit(task)} aria-label={`Edit “${task.title}”`}>
                  Edit
                </button>
                <button type="button" className="button button--ghost-danger button--small" onClick={() => onDelete(task)} aria-label={`Delete “${task.title}”`}>
                  Delete
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
