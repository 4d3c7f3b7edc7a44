import { QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { useBulkTasks } from '@/features/tasks/api/bulk-tasks';
import { RetryStopped, createTask, useCreateTask } from '@/features/tasks/api/create-task';
import type { TaskInput } from '@/features/tasks/api/task-input';
import { setAccessToken } from '@/lib/access-token';
import { createQueryClient } from '@/lib/query-client';
import { makeTask } from '@/testing/fixtures';
import { API, server } from '@/testing/server';

function input(title: string): TaskInput {
  return { title, description: '', status: 'todo', priority: 'medium', due_date: null };
}

function wrapper({ children }: { children: ReactNode }) {
  return <QueryClientProvider client={createQueryClient()}>{children}</QueryClientProvider>;
}

/**
 * The server's side of Idempotency-Key: a key it has seen gets the first answer again and writes nothing.
 * `loseFirstAnswers` answers are lost on the way back (a network error) after the write was made.
 */
function useKeyedEndpoint(path: string, answer: () => object, { loseFirstAnswers = 0 } = {}) {
  const keys: (string | null)[] = [];
  const answers = new Map<string, object>();
  let writes = 0;
  server.use(
    http.post(`${API}${path}`, ({ request }) => {
      const key = request.headers.get('Idempotency-Key');
      keys.push(key);
      if (key === null) return HttpResponse.json({ detail: 'no key', code: 'bad_request' }, { status: 400 });
      let body = answers.get(key);
      if (body === undefined) {
        writes += 1;
        body = answer();
        answers.set(key, body);
      }
      if (keys.length <= loseFirstAnswers) return HttpResponse.error();
      return HttpResponse.json(body, { status: path === '/tasks/' ? 201 : 200 });
    }),
  );
  return { keys, writes: () => writes };
}

describe('Idempotency-Key on task writes', () => {
  it('sends a fresh key with every create', async () => {
    setAccessToken('access-1');
    const { keys } = useKeyedEndpoint('/tasks/', () => makeTask());

    await createTask(input('a'));
    await createTask(input('a'));

    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(keys[1]).not.toBe(keys[0]);
  });

  it('retries a create whose answer was lost with the same key, so the task is made once', async () => {
    setAccessToken('access-1');
    const task = makeTask({ title: 'pay rent' });
    const { keys, writes } = useKeyedEndpoint('/tasks/', () => task, { loseFirstAnswers: 1 });
    const { result } = renderHook(() => useCreateTask(), { wrapper });

    act(() => result.current.mutate(input('pay rent')));

    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(result.current.data?.id).toBe(task.id);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(writes()).toBe(1);
  });

  it('gives two creates of the same task two keys: the user meant two', async () => {
    setAccessToken('access-1');
    const { keys, writes } = useKeyedEndpoint('/tasks/', () => makeTask());
    const { result } = renderHook(() => useCreateTask(), { wrapper });

    await act(() => result.current.mutateAsync(input('water plants')));
    await act(() => result.current.mutateAsync(input('water plants')));

    expect(new Set(keys).size).toBe(2);
    expect(writes()).toBe(2);
  });

  it('retries a bulk delete after a 503 with the same key and gets the first count', async () => {
    setAccessToken('access-1');
    let calls = 0;
    const keys: (string | null)[] = [];
    server.use(
      http.post(`${API}/tasks/bulk/`, ({ request }) => {
        calls += 1;
        keys.push(request.headers.get('Idempotency-Key'));
        if (calls === 1) {
          return HttpResponse.json(
            { detail: 'The service is briefly unavailable.', code: 'service_unavailable' },
            { status: 503, headers: { 'Retry-After': '1' } },
          );
        }
        return HttpResponse.json({ updated: 2 });
      }),
    );
    const { result } = renderHook(() => useBulkTasks(), { wrapper });

    act(() => result.current.mutate({ ids: ['a', 'b'], action: 'delete' }));

    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(result.current.data).toEqual({ updated: 2 });
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(keys[1]).toBe(keys[0]);
  });

  it('sends no retry of a create once its dialog was closed, even one already waiting for its turn', async () => {
    setAccessToken('access-1');
    const { keys, writes } = useKeyedEndpoint('/tasks/', () => makeTask(), { loseFirstAnswers: 5 });
    let closed = false;
    const { result } = renderHook(() => useCreateTask(() => closed), { wrapper });

    act(() => result.current.mutate(input('pay rent')));
    // The first answer is lost and a retry is scheduled; then the user closes the dialog
    await waitFor(() => expect(result.current.failureCount).toBe(1));
    closed = true;

    await waitFor(() => expect(result.current.isError).toBe(true));
    expect(result.current.error).toBeInstanceOf(RetryStopped);
    expect(keys).toHaveLength(1);
    expect(writes()).toBe(1); // made once, by the request that was already on its way
  });

  it('does not retry a write the API refused', async () => {
    setAccessToken('access-1');
    let calls = 0;
    server.use(
      http.post(`${API}/tasks/`, () => {
        calls += 1;
        return HttpResponse.json({ title: ['This field may not be blank.'] }, { status: 400 });
      }),
    );
    const { result } = renderHook(() => useCreateTask(), { wrapper });

    act(() => result.current.mutate(input('')));

    await waitFor(() => expect(result.current.isError).toBe(true));
    expect(calls).toBe(1);
  });
});
