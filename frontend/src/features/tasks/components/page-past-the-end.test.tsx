import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { queryClient } from '@/lib/query-client';
import { makeTask } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import { UNDO_MS } from '@/features/tasks/delete-with-undo';
import type { Task } from '@/features/tasks/types';

/** `count` tasks T1…Tn, ten a page; a page past the end is a 404, as the API answers it. */
function serveTasks(count: number) {
  const store = { tasks: Array.from({ length: count }, (_, i) => makeTask({ title: `T${i + 1}` })) as Task[] };
  const pages: number[] = [];
  server.use(
    http.get(`${API}/tasks/`, ({ request }) => {
      const number = Number(new URL(request.url).searchParams.get('page') ?? '1');
      pages.push(number);
      const results = store.tasks.slice((number - 1) * 10, number * 10);
      if (number > 1 && results.length === 0) return HttpResponse.json({ detail: 'Invalid page.', code: 'not_found' }, { status: 404 });
      return HttpResponse.json({ count: store.tasks.length, next: null, previous: null, results });
    }),
    http.delete(`${API}/tasks/:id/`, ({ params }) => {
      store.tasks = store.tasks.filter((task) => task.id !== params.id);
      return new HttpResponse(null, { status: 204 });
    }),
  );
  return { store, pages };
}

beforeEach(() => vi.useFakeTimers({ shouldAdvanceTime: true }));
afterEach(() => vi.useRealTimers());

describe('a page left with none of the tasks there are', () => {
  it('deleting the last task of the last page goes to the page before, which exists, not to "No tasks yet" on "Page 3 of 2"', async () => {
    serveTasks(21);
    const app = renderApp('/tasks?page=3');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    await user.click(await screen.findByRole('button', { name: 'Delete “T21”' }));

    expect(screen.queryByText('No tasks yet.')).not.toBeInTheDocument();
    await waitFor(() => expect(app.location()).toBe('/tasks?page=2'));
    expect(await screen.findByText('T11')).toBeInTheDocument();
    expect(screen.queryByText('No tasks yet.')).not.toBeInTheDocument();
    // Still within the undo window, the server counts T21; the page does not: page 2 is the last one.
    expect(screen.getByText('Showing 11–20 of 20')).toBeInTheDocument();
    expect(screen.getByText('Page 2 of 2')).toBeInTheDocument();

    // The delete is sent once the undo window is over; the list stays on its page, the last one.
    await act(() => vi.advanceTimersByTimeAsync(UNDO_MS + 100));
    expect(await screen.findByText('Showing 11–20 of 20')).toBeInTheDocument();
    expect(screen.getByText('Page 2 of 2')).toBeInTheDocument();
    expect(app.location()).toBe('/tasks?page=2');
  });

  it('a page past the end (a 404: tasks deleted elsewhere) goes to the last page the count said exists, not to page 1', async () => {
    const { store, pages } = serveTasks(30);
    const app = renderApp('/tasks?page=3');
    expect(await screen.findByText('T21')).toBeInTheDocument();

    store.tasks = store.tasks.slice(0, 20); // ten deleted in another tab
    await act(() => queryClient.invalidateQueries({ queryKey: ['tasks'] }));

    await waitFor(() => expect(app.location()).toBe('/tasks?page=2'));
    expect(await screen.findByText('T11')).toBeInTheDocument();
    expect(screen.getByText('Page 2 of 2')).toBeInTheDocument();
    expect(pages).toEqual([3, 3, 2]);
  });
});
