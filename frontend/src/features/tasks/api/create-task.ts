import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef } from 'react';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { type Task, TaskSchema } from '@/features/tasks/types';
import { newIdempotencyKey, retryKeyedWrite } from '@/features/tasks/api/idempotency-key';
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
 *
 * One key per hook (one per open create dialog), kept while the body stays the same: the automatic retries and
 * the user's own "Create task" pressed again after a failure send the same key, so a create whose answer was
 * lost is made once, however it is retried. A different body gets a new key (the server refuses a key reused
 * with another body), and so does the create after a success: that is another task the user means to make.
 */
export function useCreateTask(stopped: () => boolean = () => false) {
  const client = useQueryClient();
  // The last create sent and not known to have succeeded: its body (as sent) and its key.
  const unfinished = useRef<{ body: string; key: string } | null>(null);

  function keyFor(input: TaskInput): string {
    const body = JSON.stringify(input);
    if (unfinished.current?.body !== body) unfinished.current = { body, key: newIdempotencyKey() };
    return unfinished.current.key;
  }

  return useMutation({
    mutationFn: (input: TaskInput) => (stopped() ? Promise.reject(new RetryStopped()) : createTask(input, keyFor(input))),
    retry: (failures, error) => !stopped() && retryKeyedWrite(failures, error),
    onSuccess: () => {
      unfinished.current = null;
      return client.invalidateQueries({ queryKey: queryKeys.tasks });
    },
  });
}
