import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { type Task, TaskSchema } from '@/features/tasks/types';
import type { TaskInput } from '@/features/tasks/api/task-input';

export function createTask(input: TaskInput): Promise<Task> {
  return apiRequest('/tasks/', { method: 'POST', body: input, schema: TaskSchema });
}

export function useCreateTask() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: createTask,
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.tasks }),
  });
}
