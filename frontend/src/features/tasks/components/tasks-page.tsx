import { useEffect, useState } from 'react';
import { ConfirmDialog } from '@/components/dialog';
import { BusyButton, EmptyState, ErrorState, FormAlert, Spinner, SuccessAlert } from '@/components/feedback';
import { PageHeading } from '@/components/page-heading';
import { Pagination } from '@/components/pagination';
import { TASKS_PAGE_SIZE } from '@/config/env';
import { ApiError, errorMessage } from '@/lib/api-error';
import { type BulkAction, useBulkTasks } from '@/features/tasks/api/bulk-tasks';
import { useDeleteTask } from '@/features/tasks/api/delete-task';
import { useTasks } from '@/features/tasks/api/get-tasks';
import { usePendingStatusIds, useSetTaskStatus } from '@/features/tasks/api/update-task';
import { TaskFilters } from '@/features/tasks/components/task-filters';
import { TaskFormDialog } from '@/features/tasks/components/task-form-dialog';
import { TaskList } from '@/features/tasks/components/task-list';
import { useTaskFilters } from '@/features/tasks/hooks/use-task-filters';
import { useShortcuts } from '@/lib/shortcuts';
import type { Task } from '@/features/tasks/types';

type Editing = { mode: 'create' } | { mode: 'edit'; task: Task } | null;
type Confirming = { kind: 'delete'; task: Task } | { kind: 'bulk-delete'; ids: string[] } | null;

export function TasksPage() {
  const filters = useTaskFilters();
  const { params, update } = filters;
  const query = useTasks(params);
  const setStatus = useSetTaskStatus();
  const pendingStatus = usePendingStatusIds();
  const deleteTask = useDeleteTask();
  const bulk = useBulkTasks();
  const [editing, setEditing] = useState<Editing>(null);
  const [confirming, setConfirming] = useState<Confirming>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  // A page past the end (e.g. after deleting the last tasks of it) is a 404: go to the first page.
  const pastTheEnd = query.error instanceof ApiError && query.error.status === 404 && params.page > 1;
  useEffect(() => {
    if (pastTheEnd) update({ page: 1 }, { replace: true });
  }, [pastTheEnd, update]);

  const confirmError = confirming?.kind === 'bulk-delete' ? bulk.error : confirming ? deleteTask.error : null;
  const tasks = query.data?.results ?? [];
  const visibleSelected = tasks.filter((task) => selected.has(task.id)).map((task) => task.id);

  function select(id: string, on: boolean) {
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }

  function toggleDone(task: Task) {
    setActionError(null);
    setStatus.mutate(
      { id: task.id, status: task.status === 'done' ? 'todo' : 'done' },
      { onError: (error) => setActionError(`Could not update “${task.title}”: ${errorMessage(error)}`) },
    );
  }

  function runBulk(action: BulkAction, ids: string[]) {
    setActionError(null);
    bulk.mutate(
      { ids, action },
      {
        onSuccess: ({ updated }) => {
          setSelected(new Set());
          setConfirming(null);
          setNotice(`${updated} ${updated === 1 ? 'task' : 'tasks'} ${action === 'delete' ? 'deleted' : 'completed'}.`);
        },
        // A bulk delete's error shows in its confirmation dialog, which stays open above the page.
        onError: (error) => action === 'complete' && setActionError(errorMessage(error)),
      },
    );
  }

  /** The task whose row has the focus (the row itself, or a control in it). */
  function focusedTask(): Task | undefined {
    const row = document.activeElement instanceof HTMLElement ? document.activeElement.closest<HTMLElement>('[data-task-row]') : null;
    return tasks.find((task) => task.id === row?.dataset.taskRow);
  }

  /** j / k: the focus goes to the next or previous row (from outside the list: the first or last). */
  function moveFocus(step: 1 | -1) {
    const rows = [...document.querySelectorAll<HTMLElement>('[data-task-row]')];
    const current = rows.findIndex((row) => row.contains(document.activeElement));
    const next = current === -1 ? (step === 1 ? 0 : rows.length - 1) : Math.min(Math.max(current + step, 0), rows.length - 1);
    rows[next]?.focus();
  }

  function onFocusedTask(action: (task: Task) => void) {
    return () => {
      const task = focusedTask();
      if (task) action(task);
    };
  }

  useShortcuts({
    '/': () => document.querySelector<HTMLInputElement>('[role="search"] input[type="search"]')?.focus(),
    n: () => setEditing({ mode: 'create' }),
    j: () => moveFocus(1),
    k: () => moveFocus(-1),
    x: onFocusedTask((task) => select(task.id, !selected.has(task.id))),
    e: onFocusedTask((task) => setEditing({ mode: 'edit', task })),
    c: onFocusedTask(toggleDone),
    d: onFocusedTask((task) => setConfirming({ kind: 'delete', task })),
  });

  function confirmDelete() {
    if (confirming?.kind === 'bulk-delete') return runBulk('delete', confirming.ids);
    if (confirming?.kind !== 'delete') return;
    const { task } = confirming;
    deleteTask.mutate(task.id, {
      onSuccess: () => {
        select(task.id, false);
        setConfirming(null);
        setNotice(`Deleted “${task.title}”.`);
      },
    });
  }

  return (
    <div className="page">
      <header className="page__header">
        <div>
          <PageHeading>Tasks</PageHeading>
          <p className="page__subtitle">{query.data ? `${query.data.count} ${query.data.count === 1 ? 'task' : 'tasks'}` : 'Your tasks'}</p>
        </div>
        <button type="button" className="button button--primary" onClick={() => setEditing({ mode: 'create' })}>
          New task
        </button>
      </header>

      <TaskFilters
        params={params}
        searchInput={filters.searchInput}
        onSearchInput={filters.setSearchInput}
        onChange={(changes) => update(changes)}
        hasFilters={filters.hasFilters}
        onClear={filters.clear}
      />

      <SuccessAlert>{notice}</SuccessAlert>
      <FormAlert messages={actionError ? [actionError] : []} />

      {visibleSelected.length > 0 ? (
        <div className="bulk-bar" role="region" aria-label="Selected tasks">
          <span>{visibleSelected.length} selected</span>
          <BusyButton className="button button--secondary button--small" busy={bulk.isPending} onClick={() => runBulk('complete', visibleSelected)}>
            Complete selected
          </BusyButton>
          <BusyButton
            className="button button--danger button--small"
            busy={bulk.isPending}
            onClick={() => setConfirming({ kind: 'bulk-delete', ids: visibleSelected })}
          >
            Delete selected
          </BusyButton>
        </div>
      ) : null}

      <section className="card card--flush" aria-busy={query.isFetching} aria-label="Task list">
        {query.isPending ? (
          <Spinner label="Loading tasks…" />
        ) : query.isError && !pastTheEnd ? (
          query.error instanceof ApiError && query.error.status === 400 ? (
            // The API refused the filters (e.g. a hand-edited link): retrying would fail the same way.
            <ErrorState message={`These filters cannot be used. ${errorMessage(query.error)}`}>
              <button type="button" className="button button--secondary" onClick={filters.clear}>
                Reset filters
              </button>
            </ErrorState>
          ) : (
            <ErrorState message={`Could not load your tasks. ${errorMessage(query.error)}`} onRetry={() => void query.refetch()} />
          )
        ) : tasks.length === 0 ? (
          filters.hasFilters ? (
            <EmptyState title="No tasks match these filters.">
              <button type="button" className="button button--secondary" onClick={filters.clear}>
                Clear filters
              </button>
            </EmptyState>
          ) : (
            <EmptyState title="No tasks yet.">
              <p>Create your first task to get started.</p>
              <button type="button" className="button button--primary" onClick={() => setEditing({ mode: 'create' })}>
                New task
              </button>
            </EmptyState>
          )
        ) : (
          <TaskList
            tasks={tasks}
            selected={selected}
            pendingStatus={pendingStatus}
            onSelect={select}
            onSelectAll={(on) => tasks.forEach((task) => select(task.id, on))}
            onToggleDone={toggleDone}
            onEdit={(task) => setEditing({ mode: 'edit', task })}
            onDelete={(task) => setConfirming({ kind: 'delete', task })}
          />
        )}
      </section>

      {query.data ? (
        <Pagination page={params.page} pageSize={TASKS_PAGE_SIZE} count={query.data.count} onPage={(page) => update({ page })} />
      ) : null}

      {editing ? (
        <TaskFormDialog task={editing.mode === 'edit' ? editing.task : undefined} onClose={() => setEditing(null)} />
      ) : null}
      {confirming ? (
        <ConfirmDialog
          title={confirming.kind === 'delete' ? 'Delete this task?' : `Delete ${confirming.ids.length} tasks?`}
          description={
            confirming.kind === 'delete'
              ? `“${confirming.task.title}” will be deleted. This cannot be undone.`
              : 'The selected tasks will be deleted. This cannot be undone.'
          }
          confirmLabel="Delete"
          pending={deleteTask.isPending || bulk.isPending}
          error={confirmError ? errorMessage(confirmError) : null}
          onConfirm={confirmDelete}
          onCancel={() => {
            deleteTask.reset();
            bulk.reset();
            setConfirming(null);
          }}
        />
      ) : null}
    </div>
  );
}
