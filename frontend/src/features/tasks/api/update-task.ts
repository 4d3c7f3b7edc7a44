import { type QueryKey, useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { type Task, type TaskPage, TaskSchema, type TaskStatus } from '@/features/tasks/types';
import type { TaskInput } from '@/features/tasks/api/task-input';

export function updateTask(id: string, patch: Partial<TaskInput>): Promise<Task> {
  return apiRequest(`/tasks/${encodeURIComponent(id)}/`, { method: 'PATCH', body: patch, schema: TaskSchema });
}

/** The edit dialog: PATCH, then refetch lists and stats. */
export function useUpdateTask() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: Partial<TaskInput> }) => updateTask(id, patch),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.tasks }),
  });
}

type Snapshot = [QueryKey, TaskPage | undefined][];

/**
 * The quick status toggle: every cached list shows the new status at once; if the server
 * refuses, each list gets its previous data back and the error is reported by the caller.
 */
export function useSetTaskStatus() {
  const client = useQueryClient();
  const lists = [...queryKeys.tasks, 'list'];
  return useMutation<Task, Error, { id: string; status: TaskStatus }, { snapshot: Snapshot }>({
    mutationFn: ({ id, status }) => updateTask(id, { status }),
    onMutate: async ({ id, status }) => {
      await client.cancelQueries({ queryKey: lists });
      const snapshot = client.getQueriesData<TaskPage>({ queryKey: lists });
      client.setQueriesData<TaskPage>({ queryKey: lists }, (page) =>
        page && { ...page, results: page.results.map((task) => (task.id === id ? { ...task, status } : task)) },
      );
      return { snapshot };
    },
    onError: (_error, _variables, context) => {
      context?.snapshot.forEach(([key, data]) => client.setQueryData(key, data));
    },
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.tasks }),
  });
}
