import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeTask, page } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import { UNDO_MS } from '@/features/tasks/delete-with-undo';

/** The tasks page on one task, deleted: its Undo toast shows and its DELETE waits. Every DELETE is recorded. */
async function deleteOnTasksPage() {
  const task = makeTask({ title: 'Old idea' });
  let stored = [task];
  const sent: string[] = [];
  server.use(
    http.get(`${API}/tasks/`, () => HttpResponse.json(page(stored))),
    http.delete(`${API}/tasks/:id/`, ({ params }) => {
      sent.push(`DELETE ${String(params.id)}`);
      stored = [];
      return new HttpResponse(null, { status: 204 });
    }),
  );
  const view = renderApp('/tasks');
  const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
  await user.click(await screen.findByRole('button', { name: 'Delete “Old idea”' }));
  expect(screen.getByRole('button', { name: 'Undo' })).toBeInTheDocument();
  return { task, sent, view };
}

/** An in-app navigation to a page with no toaster (the not-found page: e.g. Back to an earlier mistyped URL). */
async function toNotFoundPage(view: Awaited<ReturnType<typeof deleteOnTasksPage>>['view']) {
  act(() => void view.router.navigate('/no-such-page'));
  expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
  expect(screen.queryByRole('region', { name: 'Notifications' })).not.toBeInTheDocument();
}

beforeEach(() => vi.useFakeTimers({ shouldAdvanceTime: true }));
afterEach(() => vi.useRealTimers());

describe('a delete waiting for its Undo on a page without a toaster', () => {
  it('is sent after an undo window there, not left waiting (its token refreshed for that window would expire)', async () => {
    const { task, sent, view } = await deleteOnTasksPage();
    await toNotFoundPage(view);

    await act(() => vi.advanceTimersByTimeAsync(UNDO_MS + 100));

    await waitFor(() => expect(sent).toEqual([`DELETE ${task.id}`]));
    // Back in the app: no Undo for a delete already made, and the task stays gone.
    act(() => void view.router.navigate('/tasks'));
    expect(await screen.findByRole('heading', { level: 1, name: 'Tasks' })).toBeInTheDocument();
    expect(await screen.findByText('No tasks yet.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Undo' })).not.toBeInTheDocument();
    expect(sent).toHaveLength(1);
  });

  it('keeps its Undo over short stays there: each starts the wait again', async () => {
    const { sent, view } = await deleteOnTasksPage();
    for (let stay = 0; stay < 2; stay += 1) {
      await toNotFoundPage(view);
      await act(() => vi.advanceTimersByTimeAsync(UNDO_MS - 1_000));
      act(() => void view.router.navigate('/tasks'));
      expect(await screen.findByRole('button', { name: 'Undo' })).toBeInTheDocument();
    }
    expect(sent).toEqual([]);

    await userEvent.setup({ advanceTimers: vi.advanceTimersByTime }).click(screen.getByRole('button', { name: 'Undo' }));

    expect(await screen.findByText('Old idea', { selector: '.task__title' })).toBeInTheDocument();
    await act(() => vi.advanceTimersByTimeAsync(UNDO_MS + 100));
    expect(sent).toEqual([]);
  });
});
