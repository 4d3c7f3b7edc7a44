import { QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useCreateTask } from '@/features/tasks/api/create-task';
import { setAccessToken } from '@/lib/access-token';
import { OFFLINE_MESSAGE } from '@/lib/api-error';
import { createQueryClient } from '@/lib/query-client';
import { makeTask, page } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import type { Task } from '@/features/tasks/types';

/** The browser loses (or regains) its connection: navigator.onLine and the event, as a browser does it. */
function setOnline(online: boolean) {
  vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(online);
  window.dispatchEvent(new Event(online ? 'online' : 'offline'));
}

const UNCONFIRMED = 'We could not confirm the task was created. When you are back online, press Create task again: it will not be duplicated.';

afterEach(() => vi.useRealTimers());

describe('a create whose answer was lost, then retried while offline', () => {
  it('says the task may have been made (not "nothing was sent"); Create task pressed again once online makes it once', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const stored: Task[] = [];
    const byKey = new Map<string, Task>();
    const keys: string[] = [];
    server.use(
      http.get(`${API}/tasks/`, () => HttpResponse.json(page(stored))),
      http.post(`${API}/tasks/`, async ({ request }) => {
        const key = request.headers.get('Idempotency-Key') ?? '';
        keys.push(key);
        let task = byKey.get(key);
        if (!task) {
          task = makeTask({ title: ((await request.json()) as Partial<Task>).title });
          byKey.set(key, task);
          stored.push(task);
        }
        if (keys.length > 1) return HttpResponse.json(task, { status: 201 });
        // Made, and the answer lost as the network goes.
        act(() => setOnline(false));
        return HttpResponse.error();
      }),
    );
    renderApp('/tasks');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await screen.findByText('No tasks yet.');

    await user.click(screen.getAllByRole('button', { name: 'New task' })[0]!);
    const dialog = screen.getByRole('dialog', { name: 'New task' });
    await user.type(within(dialog).getByLabelText('Title'), 'Pay rent');
    await user.click(within(dialog).getByRole('button', { name: 'Create task' }));
    // The automatic retries (1 s, then 2 s) are not sent: the browser is offline.
    await act(() => vi.advanceTimersByTimeAsync(5_000));

    expect(await within(dialog).findByText(UNCONFIRMED)).toBeInTheDocument();
    expect(within(dialog).queryByText(OFFLINE_MESSAGE)).not.toBeInTheDocument();
    expect(keys).toHaveLength(1);

    act(() => setOnline(true));
    await user.click(within(dialog).getByRole('button', { name: 'Create task' }));

    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'New task' })).not.toBeInTheDocument());
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(stored.map((task) => task.title)).toEqual(['Pay rent']);
  });

  it('a create that never went out (offline from its first attempt) still says nothing was sent', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    setAccessToken('access-1');
    setOnline(false);
    const { result } = renderHook(() => useCreateTask(), {
      wrapper: ({ children }: { children: ReactNode }) => <QueryClientProvider client={createQueryClient()}>{children}</QueryClientProvider>,
    });

    act(() => result.current.mutate({ title: 'Pay rent', description: '', status: 'todo', priority: 'medium', due_date: null }));
    await act(() => vi.advanceTimersByTimeAsync(5_000));

    await waitFor(() => expect(result.current.isError).toBe(true));
    expect(result.current.error?.message).toBe(OFFLINE_MESSAGE);
  });
});
