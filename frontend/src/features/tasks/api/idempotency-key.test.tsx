import { QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useBulkTasks } from '@/features/tasks/api/bulk-tasks';
import { RetryStopped, createTask, useCreateTask } from '@/features/tasks/api/create-task';
import type { TaskInput } from '@/features/tasks/api/task-input';
import { setAccessToken } from '@/lib/access-token';
import { ApiError } from '@/lib/api-error';
import { createQueryClient } from '@/lib/query-client';
import { makeTask, page } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import type { Task } from '@/features/tasks/types';

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

describe('Idempotency-Key of a create the user tries again', () => {
  afterEach(() => vi.useRealTimers());

  /** Lets the automatic retries (1 s, then 2 s) run out (fake timers). */
  async function pastTheRetries() {
    await act(() => vi.advanceTimersByTimeAsync(5_000));
  }

  it('keeps the key when the user sends the same values again after the create failed', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    setAccessToken('access-1');
    // The first attempt and its two retries are written, but their answers are lost.
    const { keys, writes } = useKeyedEndpoint('/tasks/', () => makeTask({ title: 'pay rent' }), { loseFirstAnswers: 3 });
    const { result } = renderHook(() => useCreateTask(), { wrapper });

    act(() => result.current.mutate(input('pay rent')));
    await pastTheRetries();
    await waitFor(() => expect(result.current.isError).toBe(true));
    expect(keys).toHaveLength(3);

    act(() => result.current.mutate(input('pay rent')));

    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(1);
    expect(writes()).toBe(1);
  });

  it('takes a new key when the values changed since the failed create', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    setAccessToken('access-1');
    const { keys, writes } = useKeyedEndpoint('/tasks/', () => makeTask(), { loseFirstAnswers: 3 });
    const { result } = renderHook(() => useCreateTask(), { wrapper });

    act(() => result.current.mutate(input('pay rent')));
    await pastTheRetries();
    await waitFor(() => expect(result.current.isError).toBe(true));

    act(() => result.current.mutate(input('pay the rent')));

    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(keys[3]).not.toBe(keys[0]);
    expect(writes()).toBe(2); // the server would refuse the old key with another body (422)
  });

  it('the dialog: "Create task" pressed again makes the task once; the dialog opened again makes another', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const stored: Task[] = [];
    const byKey = new Map<string, Task>();
    const keys: string[] = [];
    server.use(
      http.get(`${API}/tasks/`, () => HttpResponse.json(page(stored))),
      http.post(`${API}/tasks/`, async ({ request }) => {
        const key = request.headers.get('Idempotency-Key') ?? '';
        keys.push(key);
        const body = (await request.json()) as Partial<Task>;
        let task = byKey.get(key);
        if (!task) {
          task = makeTask({ title: body.title });
          byKey.set(key, task);
          stored.push(task);
        }
        // The first three answers are lost on the way back, after the task was made.
        if (keys.length <= 3) return HttpResponse.error();
        return HttpResponse.json(task, { status: 201 });
      }),
    );
    renderApp('/tasks');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await screen.findByText('No tasks yet.');

    await user.click(screen.getAllByRole('button', { name: 'New task' })[0]!);
    const dialog = screen.getByRole('dialog', { name: 'New task' });
    await user.type(within(dialog).getByLabelText('Title'), 'Pay rent');
    await user.click(within(dialog).getByRole('button', { name: 'Create task' }));
    await pastTheRetries();
    expect(await within(dialog).findByText(/Could not reach the server/)).toBeInTheDocument();

    await user.click(within(dialog).getByRole('button', { name: 'Create task' }));

    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'New task' })).not.toBeInTheDocument());
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(1);
    expect(stored.map((task) => task.title)).toEqual(['Pay rent']);
    expect(await screen.findByText('Pay rent')).toBeInTheDocument();

    // The same values in a dialog opened again: a second task, meant as such.
    await user.click(screen.getByRole('button', { name: 'New task' }));
    const again = screen.getByRole('dialog', { name: 'New task' });
    await user.type(within(again).getByLabelText('Title'), 'Pay rent');
    await user.click(within(again).getByRole('button', { name: 'Create task' }));

    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'New task' })).not.toBeInTheDocument());
    expect(new Set(keys).size).toBe(2);
    expect(stored.map((task) => task.title)).toEqual(['Pay rent', 'Pay rent']);
  });
});

describe('automatic retries of a keyed write after a 429 or 503 with Retry-After', () => {
  afterEach(() => vi.useRealTimers());

  /** The bulk endpoint: its first `refusals` answers are `status` with `Retry-After`, then the count. */
  function busyBulk(status: 429 | 503, retryAfter: string, refusals = 1) {
    const keys: (string | null)[] = [];
    server.use(
      http.post(`${API}/tasks/bulk/`, ({ request }) => {
        keys.push(request.headers.get('Idempotency-Key'));
        if (keys.length <= refusals) {
          return HttpResponse.json({ detail: 'Busy.', code: status === 429 ? 'throttled' : 'service_unavailable' }, { status, headers: { 'Retry-After': retryAfter } });
        }
        return HttpResponse.json({ updated: 2 });
      }),
    );
    return keys;
  }

  it.each([429, 503] as const)('waits out a short Retry-After of a %i, then sends it again with its key', async (status) => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    setAccessToken('access-1');
    const keys = busyBulk(status, '8');
    const { result } = renderHook(() => useBulkTasks(), { wrapper });

    act(() => result.current.mutate({ ids: ['a', 'b'], action: 'delete' }));
    await waitFor(() => expect(result.current.failureCount).toBe(1));
    // By now the default backoff (1 s, then 2 s) would have sent it twice more.
    await act(() => vi.advanceTimersByTimeAsync(4_000));
    expect(keys).toHaveLength(1);
    await act(() => vi.advanceTimersByTimeAsync(4_000));

    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });

  it('does not send it again when the server asks for a longer wait: the error, with its wait, is the answer', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    setAccessToken('access-1');
    const keys = busyBulk(503, '60', 3);
    const { result } = renderHook(() => useBulkTasks(), { wrapper });

    act(() => result.current.mutate({ ids: ['a', 'b'], action: 'delete' }));
    await waitFor(() => expect(result.current.failureCount).toBe(1));
    expect(result.current.isError).toBe(true);
    await act(() => vi.advanceTimersByTimeAsync(10_000));
    expect(keys).toHaveLength(1);
    expect(result.current.error).toBeInstanceOf(ApiError);
    expect((result.current.error as ApiError).retryAfter).toBe(60);
  });
});
