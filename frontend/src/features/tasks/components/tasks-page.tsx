import { useQueryClient } from '@tanstack/react-query';
import { type FocusEvent, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { BusyButton, EmptyState, ErrorState, Spinner, UnavailableButton } from '@/components/feedback';
import { PageHeading } from '@/components/page-heading';
import { RefreshFailed } from '@/components/refresh-failed';
import { Pagination } from '@/components/pagination';
import { TASKS_PAGE_SIZE } from '@/config/env';
import { ApiError, errorMessage } from '@/lib/api-error';
import { useBulkTasks } from '@/features/tasks/api/bulk-tasks';
import { useTasks } from '@/features/tasks/api/get-tasks';
import { usePendingStatusIds, useSetTaskStatus } from '@/features/tasks/api/update-task';
import { TaskFilters } from '@/features/tasks/components/task-filters';
import { TaskFormDialog } from '@/features/tasks/components/task-form-dialog';
import { TaskList } from '@/features/tasks/components/task-list';
import { DraftOffer } from '@/features/tasks/components/draft-offer';
import { useTaskFilters } from '@/features/tasks/hooks/use-task-filters';
import { deleteWithUndo, useDeletingTasks } from '@/features/tasks/delete-with-undo';
import { NEW_TASK_DRAFT, type TaskDraft, dropDraft, readDrafts } from '@/features/tasks/task-drafts';
import { useCurrentUser } from '@/lib/session';
import { useShortcuts } from '@/lib/shortcuts';
import { showToast } from '@/lib/toasts';
import type { Task } from '@/features/tasks/types';

/** `draft`: one kept from before, to start from (features/tasks/task-drafts.ts). */
type Editing = { mode: 'create'; draft?: TaskDraft } | { mode: 'edit'; task: Task; draft?: TaskDraft } | null;

/** The list of new filters (search, page) waits for the connection: the old one is still on screen. */
const OFFLINE_LIST = 'You are offline: the list still shows your previous results; the new filters apply when the connection is back.';

/** What the list now shows, for screen readers (the count, and whether it is the filters' result). */
function resultMessage(count: number, filtered: boolean, page: number, pages: number): string {
  const tasks = `${count} ${count === 1 ? 'task' : 'tasks'}`;
  const what = filtered
    ? count === 0
      ? 'No task matches the filters'
      : `${tasks} ${count === 1 ? 'matches' : 'match'} the filters`
    : count === 0
      ? 'You have no tasks'
      : `You have ${tasks}`;
  return pages > 1 ? `${what}; page ${page} of ${pages}.` : `${what}.`;
}

export function TasksPage() {
  const client = useQueryClient();
  const filters = useTaskFilters();
  const { params, update } = filters;
  const query = useTasks(params);
  const setStatus = useSetTaskStatus();
  const pendingStatus = usePendingStatusIds();
  const bulk = useBulkTasks();
  const deleting = useDeletingTasks();
  const [editing, setEditing] = useState<Editing>(null);
  const me = useCurrentUser();
  // The drafts of dialogs a session ended in the middle of, offered back one at a time. One leaves the offer once
  // restored or discarded, or when its dialog is opened anyway (New task, Edit): it opens with the draft then.
  const [offered, setOffered] = useState(() => Object.entries(readDrafts(me.id)));
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const searchBox = useRef<HTMLInputElement>(null);
  const bulkBar = useRef<HTMLDivElement>(null);
  // The element of the page that last had the focus (and the index of its row, if in one), and the row an
  // action chose to take the focus once that element is gone.
  const lastFocus = useRef<{ element: Element; row: number } | null>(null);
  const focusNext = useRef<string | null>(null);

  // Tasks waiting out their undo window are left out, and out of the count: those on this page, and those deleted
  // from another page of these filters (else "Page 1 of 2" with nothing on page 2 until the window ends).
  const filtersKey = JSON.stringify({ ...params, page: null });
  const loaded = query.data?.results ?? [];
  const tasks = loaded.filter((task) => !deleting.has(task.id));
  const loadedIds = new Set(loaded.map((task) => task.id));
  const elsewhere = [...deleting].filter(([id, listedUnder]) => listedUnder === filtersKey && !loadedIds.has(id)).length;
  const count = query.data ? Math.max(0, query.data.count - (loaded.length - tasks.length) - elsewhere) : 0;
  const visibleSelected = tasks.filter((task) => selected.has(task.id)).map((task) => task.id);

  // The count last answered for these filters (any page): where a page past the end sends the user.
  const knownCount = useRef<{ filters: string; count: number } | null>(null);
  useEffect(() => {
    if (query.data && !query.isPlaceholderData) knownCount.current = { filters: filtersKey, count };
  }, [query.data, query.isPlaceholderData, filtersKey, count]);

  // A page showing none of the tasks there are: past the end (a 404, e.g. its last tasks deleted elsewhere), or
  // its tasks all waiting out their undo window. Rather than "No tasks yet" on "Page 3 of 2", the list goes to
  // the last page the count says exists, before this one (page 1 when no count is known), in place of this page.
  // Decided on this page's own answer, not on the previous page's shown while it loads.
  const noneShown = query.data !== undefined && tasks.length === 0 && count > 0;
  const pastTheEnd = query.error instanceof ApiError && query.error.status === 404 && params.page > 1;
  const leavePage = params.page > 1 && (pastTheEnd || (noneShown && !query.isPlaceholderData));
  useEffect(() => {
    if (!leavePage) return;
    const known = knownCount.current?.filters === filtersKey ? knownCount.current.count : 0;
    update({ page: Math.max(1, Math.min(params.page - 1, Math.ceil(known / TASKS_PAGE_SIZE))) }, { replace: true });
  }, [leavePage, filtersKey, params.page, update]);
  // Meanwhile (and while the page gone to loads, the emptied one shown in its place) the list says it is loading.
  const movingPage = pastTheEnd || (noneShown && (params.page > 1 || query.isPlaceholderData));
  // The rows on screen are those of the previous filters, search or page (keepPreviousData), while the new list is on
  // its way, or waits for the connection (paused, offline): busy, dimmed, and nothing acts on them meanwhile (the bulk
  // bar, the row shortcuts), since they may not be in the list asked for.
  const stale = query.isPlaceholderData;
  const waitingForConnection = stale && query.isPaused;

  /** New task (no task) or Edit; with the draft kept for that dialog, if one is on offer. */
  function openDialog(task?: Task) {
    const key = task?.id ?? NEW_TASK_DRAFT;
    const draft = offered.find(([offeredKey]) => offeredKey === key)?.[1];
    if (draft) setOffered((current) => current.filter(([offeredKey]) => offeredKey !== key));
    setEditing(task ? { mode: 'edit', task, draft } : { mode: 'create', draft });
  }

  function restoreDraft([key, draft]: [string, TaskDraft]) {
    setOffered((current) => current.filter(([offeredKey]) => offeredKey !== key));
    // An edit's draft opens on the version it started from (the dialog then moves it onto the latest).
    setEditing(draft.base ? { mode: 'edit', task: draft.base, draft } : { mode: 'create', draft });
  }

  function discardDraft(key: string) {
    dropDraft(me.id, key);
    setOffered((current) => current.filter(([offeredKey]) => offeredKey !== key));
  }

  function select(id: string, on: boolean) {
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }

  function toggleDone(task: Task) {
    // One toggle of a task at a time, whether from its switch (disabled meanwhile) or the `c` shortcut: a second,
    // sent while the first is on its way, could be applied first and leave the task opposite to what was asked.
    if (pendingStatus.has(task.id)) return;
    setStatus.mutate(
      { id: task.id, status: task.status === 'done' ? 'todo' : 'done' },
      { onError: (error) => showToast({ tone: 'error', message: <>Could not update “<bdi>{task.title}</bdi>”: {errorMessage(error)}</> }) },
    );
  }

  function completeSelected(ids: string[]) {
    bulk.mutate(
      { ids, action: 'complete' },
      {
        onSuccess: ({ updated }) => {
          setSelected(new Set());
          showToast({ message: `${updated} ${updated === 1 ? 'task' : 'tasks'} completed.` });
        },
        onError: (error) => showToast({ tone: 'error', message: `Could not complete the selected tasks: ${errorMessage(error)}` }),
      },
    );
  }

  /**
   * Deletes at once with Undo (delete-with-undo.ts). The focus was in a row that goes (its Delete
   * button, or the row for `d`) or on "Delete selected", which goes too: it moves on to the next
   * row left, else the previous one, else the page.
   */
  function remove(doomed: Task[]) {
    const ids = new Set(doomed.map((task) => task.id));
    const index = tasks.findIndex((task) => ids.has(task.id));
    const neighbour = tasks.slice(index).find((task) => !ids.has(task.id)) ?? tasks.slice(0, index).reverse().find((task) => !ids.has(task.id));
    focusNext.current = neighbour?.id ?? null;
    setSelected((current) => new Set([...current].filter((id) => !ids.has(id))));
    deleteWithUndo(doomed, client, filtersKey);
  }

  function onPageFocus(event: FocusEvent<HTMLDivElement>) {
    // Focus inside a dialog comes here too (React events follow the portal): that is not the page's.
    if (!event.currentTarget.contains(event.target)) return;
    const row = event.target.closest('[data-task-row]');
    lastFocus.current = { element: event.target, row: row ? [...event.currentTarget.querySelectorAll('[data-task-row]')].indexOf(row) : -1 };
  }

  /**
   * After every render: the element that had the focus is gone (its task deleted, or completed or edited out
   * of the filtered list by the refetch, the bulk bar closed after its action, an empty state replaced by the
   * list) and the focus fell to <body>, where a keyboard or screen-reader user would start from the top again.
   * It goes to the row an action chose, else the row now where that one was, else the list's "Select all",
   * else the heading. Never when the focus is somewhere (the user moved it, or a dialog gave it back).
   */
  useLayoutEffect(() => {
    const last = lastFocus.current;
    if (!last || last.element.isConnected) return;
    const active = document.activeElement;
    if (active && active !== document.body) return;
    lastFocus.current = null;
    const rows = [...document.querySelectorAll<HTMLElement>('[data-task-row]')];
    const chosen = rows.find((row) => row.dataset.taskRow === focusNext.current);
    focusNext.current = null;
    const target =
      chosen ??
      (last.row >= 0 ? rows[Math.min(last.row, rows.length - 1)] : undefined) ??
      document.querySelector<HTMLElement>('[data-select-all]') ??
      document.querySelector<HTMLElement>('[data-page-heading]');
    target?.focus();
  });

  /** "Clear filters" (and "Reset filters") goes away once clicked: the focus goes on to the search box, empty now. */
  function clearFilters() {
    searchBox.current?.focus();
    filters.clear();
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

  function withFocusedTask(action: (task: Task) => void) {
    if (stale) return;
    const task = focusedTask();
    if (task) action(task);
  }

  /** b: to the actions on the selected tasks, which come after the filters and before the rows in Tab order. */
  function focusBulkBar() {
    bulkBar.current?.querySelector<HTMLElement>('button')?.focus();
  }

  useShortcuts({
    '/': () => searchBox.current?.focus(),
    n: () => openDialog(),
    j: () => moveFocus(1),
    k: () => moveFocus(-1),
    x: () => withFocusedTask((task) => select(task.id, !selected.has(task.id))),
    e: () => withFocusedTask((task) => openDialog(task)),
    c: () => withFocusedTask(toggleDone),
    d: () => withFocusedTask((task) => remove([task])),
    b: focusBulkBar,
  });

  const pages = Math.max(1, Math.ceil(count / TASKS_PAGE_SIZE));
  // Said when the list for new filters, search or page has arrived (emptied meanwhile, so that the same
  // words are said again), and when the count changes: the list itself changes silently.
  const result = waitingForConnection
    ? OFFLINE_LIST
    : query.data && !query.isPlaceholderData && !movingPage
      ? resultMessage(count, filters.hasFilters, params.page, pages)
      : '';
  const selection = visibleSelected.length > 0 ? `${visibleSelected.length} ${visibleSelected.length === 1 ? 'task' : 'tasks'} selected.` : '';

  return (
    <div className="page" onFocus={onPageFocus}>
      {/* In the page from the start: a live region that appears with its words is often not read out. */}
      <div className="visually-hidden" role="status" data-testid="tasks-result">
        {result}
      </div>
      <div className="visually-hidden" role="status" data-testid="tasks-selection">
        {selection}
      </div>
      <header className="page__header">
        <div>
          <PageHeading>Tasks</PageHeading>
          <p className="page__subtitle">{query.data ? `${count} ${count === 1 ? 'task' : 'tasks'}` : 'Your tasks'}</p>
        </div>
        <button type="button" className="button button--primary" onClick={() => openDialog()}>
          New task
        </button>
      </header>

      <DraftOffer
        draft={offered[0]?.[1]}
        onRestore={() => offered[0] && restoreDraft(offered[0])}
        onDiscard={() => offered[0] && discardDraft(offered[0][0])}
      />

      <TaskFilters
        params={filters.shown}
        searchInput={filters.searchInput}
        onSearchInput={filters.setSearchInput}
        onChange={(changes) => update(changes)}
        hasFilters={filters.hasFilters}
        onClear={clearFilters}
        searchRef={searchBox}
      />


      {visibleSelected.length > 0 ? (
        <div className="bulk-bar" role="region" aria-label="Selected tasks" ref={bulkBar}>
          <span>{visibleSelected.length} selected</span>
          {/* Unavailable (aria-disabled, the focus stays) while the list is stale: the selection is of the old rows. */}
          <BusyButton className="button button--secondary button--small" busy={bulk.isPending || stale} onClick={() => completeSelected(visibleSelected)}>
            Complete selected
          </BusyButton>
          <UnavailableButton
            className="button button--danger button--small"
            unavailable={stale}
            onClick={() => remove(tasks.filter((task) => visibleSelected.includes(task.id)))}
          >
            Delete selected
          </UnavailableButton>
        </div>
      ) : null}

      {/* Said in the tasks-result region above (a live region in the page from the start); shown here too. */}
      {waitingForConnection ? <p className="alert alert--warning">{OFFLINE_LIST}</p> : null}

      {/* A refresh that failed with a list already loaded (TanStack Query keeps its data): the list stays, and says so. */}
      <RefreshFailed failed={query.isError && query.data !== undefined && !movingPage} retrying={query.isFetching} onRetry={() => void query.refetch()} />

      <section className="card card--flush" aria-busy={query.isFetching || stale} aria-label="Task list">
        {query.isPending || movingPage ? (
          <Spinner label="Loading tasks…" />
        ) : query.isError && query.data === undefined && !pastTheEnd ? (
          query.error instanceof ApiError && query.error.status === 400 ? (
            // The API refused the filters (e.g. a hand-edited link): retrying would fail the same way.
            <ErrorState message={`These filters cannot be used. ${errorMessage(query.error)}`}>
              <button type="button" className="button button--secondary" onClick={clearFilters}>
                Reset filters
              </button>
            </ErrorState>
          ) : (
            <ErrorState message={`Could not load your tasks. ${errorMessage(query.error)}`} onRetry={() => void query.refetch()} />
          )
        ) : tasks.length === 0 ? (
          filters.hasFilters ? (
            <EmptyState title="No tasks match these filters.">
              <button type="button" className="button button--secondary" onClick={clearFilters}>
                Clear filters
              </button>
            </EmptyState>
          ) : (
            <EmptyState title="No tasks yet.">
              <p>Create your first task to get started.</p>
              <button type="button" className="button button--primary" onClick={() => openDialog()}>
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
            onEdit={(task) => openDialog(task)}
            onDelete={(task) => remove([task])}
            stale={stale}
          />
        )}
      </section>

      {query.data ? (
        <Pagination page={params.page} pageSize={TASKS_PAGE_SIZE} count={count} onPage={(page) => update({ page })} live={false} />
      ) : null}

      {editing ? (
        <TaskFormDialog
          task={editing.mode === 'edit' ? editing.task : undefined}
          userId={me.id}
          draft={editing.draft}
          onClose={() => setEditing(null)}
        />
      ) : null}
    </div>
  );
}
