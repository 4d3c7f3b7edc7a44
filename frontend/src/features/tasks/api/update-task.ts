import { type QueryClient, useMutation, useMutationState, useQueryClient } from '@tanstack/react-query';
import { apiRequest, apiRequestWithEtag } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { taskDetailKey } from '@/features/tasks/api/get-task';
import { type Task, type TaskPage, TaskSchema } from '@/features/tasks/types';
import type { TaskStatus } from '@/types/task';
import type { TaskInput } from '@/features/tasks/api/task-input';

/** With `etag`, the server writes only if the task is still that version, else 412 `precondition_failed`. */
export function updateTask(id: string, patch: Partial<TaskInput>, etag?: string | null): Promise<Task> {
  return apiRequest(`/tasks/${encodeURIComponent(id)}/`, {
    method: 'PATCH',
    body: patch,
    schema: TaskSchema,
    headers: etag ? { 'If-Match': etag } : undefined,
  });
}

/** updateTask, also giving the saved version's ETag. */
export function updateTaskWithEtag(id: string, patch: Partial<TaskInput>, etag?: string | null): Promise<{ data: Task; etag: string | null }> {
  return apiRequestWithEtag(`/tasks/${encodeURIComponent(id)}/`, {
    method: 'PATCH',
    body: patch,
    schema: TaskSchema,
    headers: etag ? { 'If-Match': etag } : undefined,
  });
}

/** Every cached list shows `task` in place of its old version. */
function withTask(client: QueryClient, task: Task): void {
  client.setQueriesData<TaskPage>({ queryKey: [...queryKeys.tasks, 'list'] }, (page) =>
    page && { ...page, results: page.results.map((cached) => (cached.id === task.id ? task : cached)) },
  );
}

/**
 * A saved version, with its ETag, goes into the task's cache and every list at once, before anything is refetched:
 * a refetch bringing the user's own save back must never look to the dialog like a change made elsewhere. The lists
 * and stats are then refetched, not awaited, so the dialog closes as soon as the save is made.
 */
export function putSavedTask(client: QueryClient, saved: { data: Task; etag: string | null }): void {
  client.setQueryData(taskDetailKey(saved.data.id), saved);
  withTask(client, saved.data);
  void client.invalidateQueries({ queryKey: queryKeys.tasks });
}

/** The edit dialog: PATCH (If-Match when the dialog knows the version). The answer is the task's latest version (putSavedTask). */
export function useUpdateTask() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch, etag }: { id: string; patch: Partial<TaskInput>; etag?: string | null }) =>
      updateTaskWithEtag(id, patch, etag),
    onSuccess: (saved) => putSavedTask(client, saved),
  });
}

const SET_STATUS_KEY = [...queryKeys.tasks, 'set-status'] as const;

function withStatus(client: QueryClient, id: string, status: TaskStatus): void {
  client.setQueriesData<TaskPage>({ queryKey: [...queryKeys.tasks, 'list'] }, (page) =>
    page && { ...page, results: page.results.map((task) => (task.id === id ? { ...task, status } : task)) },
  );
}

/** Ids of the tasks whose status toggle is waiting for the server (their switches are disabled). */
export function usePendingStatusIds(): ReadonlySet<string> {
  const ids = useMutationState({
    filters: { mutationKey: SET_STATUS_KEY, status: 'pending' },
    select: (mutation) => (mutation.state.variables as { id: string } | undefined)?.id,
  });
  return new Set(ids.filter((id): id is string => id !== undefined));
}

/**
 * The quick status toggle: every cached list shows the new status at once. If the server refuses,
 * only that task's status goes back (other toggles in flight keep theirs) and the caller reports
 * the error. Lists refetch once the last toggle in flight has settled, so quick toggles of several
 * rows do not flicker; the refetch is not awaited, so the error shows without waiting for it.
 */
export function useSetTaskStatus() {
  const client = useQueryClient();
  return useMutation<Task, Error, { id: string; status: TaskStatus }, { previous: TaskStatus | undefined }>({
    mutationKey: SET_STATUS_KEY,
    mutationFn: ({ id, status }) => updateTask(id, { status }),
    onMutate: async ({ id, status }) => {
      await client.cancelQueries({ queryKey: [...queryKeys.tasks, 'list'] });
      const previous = client
        .getQueriesData<TaskPage>({ queryKey: [...queryKeys.tasks, 'list'] })
        .flatMap(([, page]) => page?.results ?? [])
        .find((task) => task.id === id)?.status;
      withStatus(client, id, status);
      return { previous };
    },
    onError: (_error, { id }, context) => {
      if (context?.previous) withStatus(client, id, context.previous);
    },
    onSettled: () => {
      if (client.isMutating({ mutationKey: SET_STATUS_KEY }) === 1) {
        void client.invalidateQueries({ queryKey: queryKeys.tasks });
      }
    },
  });
}
