import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { type Task, TaskSchema } from '@/features/tasks/types';
import { idempotencyKeyFor, newIdempotencyKey, retryKeyedWrite } from '@/features/tasks/api/idempotency-key';
import type { TaskInput } from '@/features/tasks/api/task-input';

/** `idempotencyKey`: send the same one to retry this create; the server then makes the task only once. */
export function createTask(input: TaskInput, idempotencyKey: string = newIdempotencyKey()): Promise<Task> {
  return apiRequest('/tasks/', {
    method: 'POST',
    body: input,
    schema: TaskSchema,
    headers: { 'Idempotency-Key': idempotencyKey },
  });
}

export function useCreateTask() {
  const client = useQueryClient();
  return useMutation({
    // One key per create, the same for each of its retries: a create whose answer was lost is not made twice.
    mutationFn: (input: TaskInput) => createTask(input, idempotencyKeyFor(input)),
    retry: retryKeyedWrite,
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.tasks }),
  });
}
