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

/** Thrown instead of sending a retry once its caller said to stop (the dialog it came from was closed). */
export class RetryStopped extends Error {
  constructor() {
    super('The create was not retried: the dialog it came from was closed.');
    this.name = 'RetryStopped';
  }
}

/**
 * `stopped`: once it returns true, no further attempt of a create is sent, e.g. a retry still waiting out its
 * delay when the user closes the dialog. A request already sent runs on: its answer may be lost, but the server
 * makes it once at most (its key), and the list shows the task if it was made.
 */
export function useCreateTask(stopped: () => boolean = () => false) {
  const client = useQueryClient();
  return useMutation({
    // One key per create, the same for each of its retries: a create whose answer was lost is not made twice.
    mutationFn: (input: TaskInput) => (stopped() ? Promise.reject(new RetryStopped()) : createTask(input, idempotencyKeyFor(input))),
    retry: (failures, error) => !stopped() && retryKeyedWrite(failures, error),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.tasks }),
  });
}
