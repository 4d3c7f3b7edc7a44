import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeJwt, makeTask, page, user as ada } from '@/testing/fixtures';
import { isolating } from '@/testing/isolating';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import { endSession } from '@/lib/session';
import { TOKEN_MARGIN_MS, UNDO_MS } from '@/features/tasks/delete-with-undo';
import type { Task } from '@/features/tasks/types';

/** A task list the test can delete from; every DELETE and bulk request is recorded, in order. */
function serveTasks(initial: Task[], { bulkFails = false, deleteAnswer }: { bulkFails?: boolean; deleteAnswer?: () => Promise<Response> } = {}) {
  let stored = [...initial];
  const sent: string[] = [];
  server.use(
    http.get(`${API}/tasks/`, () => HttpResponse.json(page(stored))),
    http.delete(`${API}/tasks/:id/`, ({ params }) => {
      sent.push(`DELETE ${String(params.id)}`);
      if (deleteAnswer) return deleteAnswer();
      stored = stored.filter((task) => task.id !== params.id);
      return new HttpResponse(null, { status: 204 });
    }),
    http.post(`${API}/tasks/bulk/`, async ({ request }) => {
      const body = (await request.json()) as { ids: string[]; action: string };
      sent.push(`BULK ${body.action} ${body.ids.join(',')}`);
      if (bulkFails) return HttpResponse.json({ detail: 'Too many requests.', code: 'throttled' }, { status: 429 });
      stored = stored.filter((task) => !body.ids.includes(task.id));
      return HttpResponse.json({ updated: body.ids.length });
    }),
    http.post(`${API}/auth/logout/`, () => {
      sent.push('LOGOUT');
      return new HttpResponse(null, { status: 204 });
    }),
  );
  return sent;
}

/** Opens the task page on one task titled `title` and deletes it: its undo window is open. */
async function deleteTheOnlyTask(title: string, options?: Parameters<typeof serveTasks>[1]) {
  const task = makeTask({ title });
  const sent = serveTasks([task], options);
  renderApp('/tasks');
  const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
  await user.click(await screen.findByRole('button', { name: `Delete “${title}”` }));
  return { task, sent, user };
}

/** Lets the undo window run out (fake timers). */
async function pastTheUndoWindow() {
  await act(() => vi.advanceTimersByTimeAsync(UNDO_MS + 100));
}

const notifications = () => within(screen.getByRole('region', { name: 'Notifications' }));

beforeEach(() => vi.useFakeTimers({ shouldAdvanceTime: true }));
afterEach(() => vi.useRealTimers());

describe('deleting with Undo (the DELETE waits out the undo window)', () => {
  it('a fourth delete in a row pushes the first Undo out (3 toasts at most): that deletion is sent then', async () => {
    const tasks = ['T1', 'T2', 'T3', 'T4'].map((title) => makeTask({ title }));
    const sent = serveTasks(tasks);
    renderApp('/tasks');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    for (const title of ['T1', 'T2', 'T3']) await user.click(await screen.findByRole('button', { name: `Delete “${title}”` }));
    expect(notifications().getAllByRole('button', { name: 'Undo' })).toHaveLength(3);
    expect(sent).toEqual([]);

    await user.click(await screen.findByRole('button', { name: 'Delete “T4”' }));

    expect(notifications().getAllByRole('button', { name: 'Undo' })).toHaveLength(3);
    expect(notifications().queryByText(isolating('Deleted “T1”.', 'T1'))).not.toBeInTheDocument();
    await waitFor(() => expect(sent).toEqual([`DELETE ${tasks[0]!.id}`]));
  });

  it('hides the task at once; Undo brings it back and nothing is ever sent', async () => {
    const [idea, other] = [makeTask({ title: 'Old idea' }), makeTask({ title: 'Keep me' })];
    const sent = serveTasks([idea!, other!]);
    renderApp('/tasks');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    await user.click(await screen.findByRole('button', { name: 'Delete “Old idea”' }));

    expect(screen.queryByText('Old idea', { selector: '.task__title' })).not.toBeInTheDocument();
    expect(screen.getByText('1 task')).toBeInTheDocument();
    expect(notifications().getByText(isolating('Deleted “Old idea”.', 'Old idea'))).toBeInTheDocument();
    // The focus moves on to the next row, not to <body>.
    await waitFor(() => expect(screen.getByTestId('task-row')).toHaveFocus());

    await user.click(notifications().getByRole('button', { name: 'Undo' }));

    expect(await screen.findByText('Old idea', { selector: '.task__title' })).toBeInTheDocument();
    expect(notifications().getByText(isolating('Restored “Old idea”.', 'Old idea'))).toBeInTheDocument();
    await pastTheUndoWindow();
    expect(sent).toEqual([]);
  });

  it('sends the DELETE when the window closes, and the task stays gone', async () => {
    const { task, sent } = await deleteTheOnlyTask('Old idea');
    expect(sent).toEqual([]);
    await pastTheUndoWindow();

    await waitFor(() => expect(sent).toEqual([`DELETE ${task.id}`]));
    expect(await screen.findByText('No tasks yet.')).toBeInTheDocument();
    expect(notifications().queryByRole('button', { name: 'Undo' })).not.toBeInTheDocument();
  });

  it('stands still while the pointer is on the toast', async () => {
    const { task, sent } = await deleteTheOnlyTask('Old idea');
    fireEvent.mouseEnter(screen.getByRole('region', { name: 'Notifications' }));
    await act(() => vi.advanceTimersByTimeAsync(UNDO_MS * 3));
    expect(sent).toEqual([]);
    expect(notifications().getByRole('button', { name: 'Undo' })).toBeInTheDocument();

    fireEvent.mouseLeave(screen.getByRole('region', { name: 'Notifications' }));
    await pastTheUndoWindow();
    await waitFor(() => expect(sent).toEqual([`DELETE ${task.id}`]));
  });

  it('deletes the selected tasks in one bulk request when the toast is dismissed', async () => {
    const [a, b, c] = [makeTask({ title: 'A' }), makeTask({ title: 'B' }), makeTask({ title: 'C' })];
    const sent = serveTasks([a!, b!, c!]);
    renderApp('/tasks');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    await user.click(await screen.findByLabelText('Select “A”'));
    await user.click(screen.getByLabelText('Select “B”'));
    await user.click(screen.getByRole('button', { name: 'Delete selected' }));

    expect(screen.getAllByTestId('task-row')).toHaveLength(1);
    expect(screen.queryByRole('region', { name: 'Selected tasks' })).not.toBeInTheDocument();
    await user.click(notifications().getByRole('button', { name: 'Dismiss', description: 'Deleted 2 tasks.' }));

    await waitFor(() => expect(sent).toEqual([`BULK delete ${a!.id},${b!.id}`]));
    await pastTheUndoWindow();
    expect(sent).toHaveLength(1);
  });

  it('brings the tasks back and says why when the delete fails', async () => {
    const [a, b] = [makeTask({ title: 'A' }), makeTask({ title: 'B' })];
    serveTasks([a!, b!], { bulkFails: true });
    renderApp('/tasks');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    await user.click(await screen.findByLabelText('Select all on this page'));
    await user.click(screen.getByRole('button', { name: 'Delete selected' }));
    expect(screen.queryByTestId('task-row')).not.toBeInTheDocument();
    await pastTheUndoWindow();

    expect(await notifications().findByText('Could not delete 2 tasks: Too many requests. Wait a little and try again.')).toBeInTheDocument();
    expect(notifications().getByRole('alert')).toHaveTextContent('Could not delete 2 tasks');
    expect(screen.getAllByTestId('task-row')).toHaveLength(2);
  });

  it('u undoes the newest delete from the keyboard', async () => {
    const { sent, user } = await deleteTheOnlyTask('Old idea');
    await user.keyboard('u');

    expect(await screen.findByText('Old idea', { selector: '.task__title' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('task-row')).toHaveFocus());
    await pastTheUndoWindow();
    expect(sent).toEqual([]);
  });

  it('signing out first sends the deletes still waiting', async () => {
    const { task, sent, user } = await deleteTheOnlyTask('Old idea');
    await user.click(screen.getByRole('button', { name: 'Sign out' }));

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(sent).toEqual([`DELETE ${task.id}`, 'LOGOUT']);
  });

  it('a session that ends without a sign-out here drops the deletes still waiting, and their toasts', async () => {
    // (expired or revoked, or another account signed in in another tab: the deletes can no longer be sent as
    // this account, and nothing of it may stay on screen)
    const { sent } = await deleteTheOnlyTask('Payroll notes');
    expect(notifications().getByText(isolating('Deleted “Payroll notes”.', 'Payroll notes'))).toBeInTheDocument();

    act(() => endSession('expired'));
    await pastTheUndoWindow();

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByText(isolating('Deleted “Payroll notes”.', 'Payroll notes'))).not.toBeInTheDocument();
    expect(sent).toEqual([]);
  });

  it('a delete that fails while signing out is reported past the sign-out, without the task’s title', async () => {
    const { task, sent, user } = await deleteTheOnlyTask('Payroll notes', {
      deleteAnswer: async () => HttpResponse.json({ detail: 'Slow down.', code: 'throttled' }, { status: 429 }),
    });

    await user.click(screen.getByRole('button', { name: 'Sign out' }));

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(sent).toEqual([`DELETE ${task.id}`, 'LOGOUT']);
    expect(await screen.findByText(/While signing out, 1 task you deleted could not be deleted \(Too many requests\. Wait a little and try again\.\); still in the account\./)).toBeInTheDocument();
    expect(screen.queryByText(/Payroll notes/)).not.toBeInTheDocument();
  });

  it('a delete on its way when the session ends reports nothing of the old account', async () => {
    let answer: (response: Response) => void = () => undefined;
    const { task, sent } = await deleteTheOnlyTask('Payroll notes', { deleteAnswer: () => new Promise<Response>((resolve) => (answer = resolve)) });
    await pastTheUndoWindow();
    await waitFor(() => expect(sent).toEqual([`DELETE ${task.id}`]));

    // The session ends while the DELETE is on its way, then the DELETE fails
    act(() => endSession('expired'));
    answer(HttpResponse.json({ detail: 'Session revoked.', code: 'session_revoked' }, { status: 500 }));
    await act(() => vi.advanceTimersByTimeAsync(100));

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByText(/Payroll notes/)).not.toBeInTheDocument();
  });

  it('closing the tab sends the deletes still waiting, with keepalive so they outlive the page', async () => {
    const { task, sent } = await deleteTheOnlyTask('Old idea');
    const fetchSpy = vi.spyOn(globalThis, 'fetch');

    try {
      window.dispatchEvent(new Event('pagehide'));
      await waitFor(() => expect(sent).toEqual([`DELETE ${task.id}`]));
    } finally {
      window.dispatchEvent(new Event('pageshow'));
    }
    const [url, init] = fetchSpy.mock.calls[0]!;
    expect(String(url)).toBe(`${API}/tasks/${task.id}/`);
    expect(init).toMatchObject({ method: 'DELETE', keepalive: true });
  });

  it('hiding the tab sends the deletes still waiting, with keepalive (a hidden page may be discarded without a pagehide)', async () => {
    const { task, sent } = await deleteTheOnlyTask('Old idea');
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const setVisibility = (state: DocumentVisibilityState) => {
      Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    };

    try {
      setVisibility('hidden');
      await waitFor(() => expect(sent).toEqual([`DELETE ${task.id}`]));
    } finally {
      setVisibility('visible');
    }
    const [url, init] = fetchSpy.mock.calls[0]!;
    expect(String(url)).toBe(`${API}/tasks/${task.id}/`);
    expect(init).toMatchObject({ method: 'DELETE', keepalive: true });
    expect(notifications().queryByRole('button', { name: 'Undo' })).not.toBeInTheDocument();
  });
});

describe('a delete waiting out its undo window, and the access token', () => {
  /** The API with the task: a DELETE is accepted with `fresh` only, the refresh hands `fresh` out. */
  function serveWithTokens(task: Task, fresh: string) {
    const log: string[] = [];
    server.use(
      http.get(`${API}/tasks/`, () => HttpResponse.json(page([task]))),
      http.delete(`${API}/tasks/:id/`, ({ request }) => {
        const auth = request.headers.get('Authorization');
        log.push(auth === `Bearer ${fresh}` ? 'DELETE with the fresh token' : 'DELETE with another token');
        return auth === `Bearer ${fresh}`
          ? new HttpResponse(null, { status: 204 })
          : HttpResponse.json({ detail: 'Token expired.', code: 'token_not_valid' }, { status: 401 });
      }),
      http.post(`${API}/auth/refresh/`, () => {
        log.push('REFRESH');
        return HttpResponse.json({ access: fresh });
      }),
    );
    return log;
  }

  const inSeconds = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

  it('is refreshed at once when it expires before the window ends: the DELETE sent as the tab closes carries a valid one', async () => {
    // (once the page is gone, a 401 could not be followed by a refresh and a retry)
    const task = makeTask({ title: 'Old idea' });
    const fresh = fakeJwt({ user_id: ada.id, exp: inSeconds(300) });
    const log = serveWithTokens(task, fresh);
    renderApp('/tasks', { token: fakeJwt({ user_id: ada.id, exp: inSeconds(30) }) });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    await user.click(await screen.findByRole('button', { name: 'Delete “Old idea”' }));
    await waitFor(() => expect(log).toEqual(['REFRESH']));
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    try {
      window.dispatchEvent(new Event('pagehide'));
      await waitFor(() => expect(log).toEqual(['REFRESH', 'DELETE with the fresh token']));
    } finally {
      window.dispatchEvent(new Event('pageshow'));
    }
    // One DELETE, made in the pagehide handler itself: nothing of it waits for an answer.
    const deletes = fetchSpy.mock.calls.filter(([, init]) => init?.method === 'DELETE');
    expect(deletes).toHaveLength(1);
    expect(deletes[0]![1]).toMatchObject({ keepalive: true, headers: expect.objectContaining({ Authorization: `Bearer ${fresh}` }) });
  });

  it('is left alone when it outlives the window and its margin', async () => {
    const task = makeTask({ title: 'Old idea' });
    const valid = fakeJwt({ user_id: ada.id, exp: inSeconds((UNDO_MS + TOKEN_MARGIN_MS) / 1000 + 60) });
    const log = serveWithTokens(task, valid);
    renderApp('/tasks', { token: valid });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    await user.click(await screen.findByRole('button', { name: 'Delete “Old idea”' }));
    await pastTheUndoWindow();

    await waitFor(() => expect(log).toEqual(['DELETE with the fresh token']));
  });
});
