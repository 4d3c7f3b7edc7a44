import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef } from 'react';
import { apiRequest } from '@/lib/api-client';
import { ApiError, NetworkError, OFFLINE_MESSAGE } from '@/lib/api-error';
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
 * A create not sent because the browser is offline, after an earlier attempt with its key went out and got no answer
 * (or a 5xx): that one may have made the task, so "nothing was sent" would mislead. Sent again with the same key
 * (Create task pressed again in the same dialog), it is made once at most. A NetworkError still, so it is retried
 * as one (retryKeyedWrite).
 */
export class CreateUnconfirmed extends NetworkError {
  constructor(cause: unknown) {
    super(cause, 'We could not confirm the task was created. When you are back online, press Create task again: it will not be duplicated.');
    this.name = 'CreateUnconfirmed';
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
  // The last create sent and not known to have succeeded: its body (as sent), its key, and whether an attempt with
  // that key may have made the task (it went out and got no answer, or a 5xx: only a 4xx says it was not made).
  const unfinished = useRef<{ body: string; key: string; mayHaveReached?: boolean } | null>(null);

  function unfinishedFor(input: TaskInput) {
    const body = JSON.stringify(input);
    if (unfinished.current?.body !== body) unfinished.current = { body, key: newIdempotencyKey() };
    return unfinished.current;
  }

  async function send(input: TaskInput): Promise<Task> {
    if (stopped()) throw new RetryStopped();
    const attempt = unfinishedFor(input);
    try {
      return await createTask(input, attempt.key);
    } catch (error) {
      const notSent = error instanceof NetworkError && error.message === OFFLINE_MESSAGE;
      // Not sent (offline): "nothing was sent" only if no earlier attempt may have made the task.
      if (notSent && attempt.mayHaveReached) throw new CreateUnconfirmed(error);
      if (!notSent && !(error instanceof ApiError && error.status < 500)) attempt.mayHaveReached = true;
      throw error;
    }
  }

  return useMutation({
    mutationFn: send,
    retry: (failures, error) => !stopped() && retryKeyedWrite(failures, error),
    onSuccess: () => {
      unfinished.current = null;
      return client.invalidateQueries({ queryKey: queryKeys.tasks });
    },
  });
}
