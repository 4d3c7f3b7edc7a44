import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSession } from '@/lib/session';
import { tabStorageEntriesForTests } from '@/lib/tab-storage';
import { makeTask, page, user as ada } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import type { Task } from '@/features/tasks/types';

const grace = { ...ada, id: 'u-2', email: 'grace@example.com', name: 'Grace Hopper' };
const stats = { total: 0, by_status: { todo: 0, in_progress: 0, done: 0 }, by_priority: { low: 0, medium: 0, high: 0 }, overdue: 0, completed_per_day: [] };
const refused = () => HttpResponse.json({ detail: 'Token is invalid.', code: 'token_not_valid' }, { status: 401 });
const RESTORED = 'Your unsaved changes from before are back: check them, then save.';

let disconnect = () => {};
afterEach(() => disconnect());

/** The offer's sentence (the title in it is in a <bdi>). */
const findOffer = (text: string) => screen.findByText((_, element) => element?.tagName === 'P' && element.textContent === text);

/** Whether this tab's storage holds task drafts (of anyone). */
const draftsStored = () => tabStorageEntriesForTests().some(([key]) => key === 'sad:task-drafts');

/**
 * The API of a session that expires: the first access token ('access-1') is refused on writes and the refresh too;
 * signing in again (as `who`) gives 'access-2', with which every write goes through. Records the writes that did.
 */
function serveExpiringSession(tasks: { current: Task[] }, who = ada) {
  const writes: { method: string; ifMatch: string | null; body: unknown }[] = [];
  const expired = (request: Request) => request.headers.get('Authorization') === 'Bearer access-1';
  server.use(
    http.get(`${API}/tasks/`, () => HttpResponse.json(page(tasks.current))),
    http.get(`${API}/tasks/stats/`, () => HttpResponse.json(stats)),
    http.get(`${API}/tasks/:id/`, ({ params }) => {
      const task = tasks.current.find((candidate) => candidate.id === params.id)!;
      return HttpResponse.json(task, { headers: { ETag: `"${task.updated_at}"` } });
    }),
    http.post(`${API}/tasks/`, async ({ request }) => {
      if (expired(request)) return refused();
      const body = (await request.json()) as Partial<Task>;
      writes.push({ method: 'POST', ifMatch: null, body });
      return HttpResponse.json(makeTask(body), { status: 201 });
    }),
    http.patch(`${API}/tasks/:id/`, async ({ request, params }) => {
      if (expired(request)) return refused();
      const body = (await request.json()) as Partial<Task>;
      writes.push({ method: 'PATCH', ifMatch: request.headers.get('If-Match'), body });
      const task = { ...tasks.current.find((candidate) => candidate.id === params.id)!, ...body, updated_at: '2026-11-09T10:00:00Z' };
      return HttpResponse.json(task, { headers: { ETag: `"${task.updated_at}"` } });
    }),
    http.post(`${API}/auth/refresh/`, refused),
    http.post(`${API}/auth/login/`, () => HttpResponse.json({ access: 'access-2', user: who })),
    http.post(`${API}/auth/logout/`, () => new HttpResponse(null, { status: 204 })),
  );
  return writes;
}

async function signInAgain(email: string) {
  const user = userEvent.setup();
  expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
  await user.type(await screen.findByLabelText('Email'), email);
  await user.type(screen.getByLabelText('Password'), 'password123');
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

/** Ada types a new task; creating it meets the expired session, which sends her to the sign-in page. */
async function newTaskMeetsExpiredSession(tasks: { current: Task[] }, who = ada) {
  disconnect = connectSession();
  const writes = serveExpiringSession(tasks, who);
  const app = renderApp('/tasks');
  const user = userEvent.setup();
  await user.click((await screen.findAllByRole('button', { name: 'New task' }))[0]!);
  const dialog = screen.getByRole('dialog', { name: 'New task' });
  await user.type(within(dialog).getByLabelText('Title'), 'Quarterly plan');
  await user.type(within(dialog).getByLabelText('Description'), 'Numbers by Friday');
  await user.click(within(dialog).getByRole('button', { name: 'Create task' }));
  expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
  return { app, user, writes };
}

describe('a task dialog the session ended in the middle of', () => {
  it('is offered back to the same account once signed in again; restored, it saves, and is then gone', async () => {
    const tasks = { current: [] as Task[] };
    const { app, user, writes } = await newTaskMeetsExpiredSession(tasks);

    await signInAgain(ada.email);

    await waitFor(() => expect(app.location()).toBe('/tasks'));
    const offer = await findOffer('You have an unsaved new task: “Quarterly plan”.');
    expect(offer.closest('[role="status"]')).not.toBeNull();
    await user.click(screen.getByRole('button', { name: 'Restore draft' }));

    const dialog = screen.getByRole('dialog', { name: 'New task' });
    expect(dialog).toHaveAccessibleDescription(RESTORED);
    expect(within(dialog).getByLabelText('Title')).toHaveValue('Quarterly plan');
    expect(within(dialog).getByLabelText('Description')).toHaveValue('Numbers by Friday');
    await user.click(within(dialog).getByRole('button', { name: 'Create task' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(writes).toEqual([{ method: 'POST', ifMatch: null, body: expect.objectContaining({ title: 'Quarterly plan', description: 'Numbers by Friday' }) }]);
    expect(draftsStored()).toBe(false);
    expect(screen.queryByText(/You have an unsaved/)).not.toBeInTheDocument();
  });

  it('is never offered to another account signing in after it: dropped', async () => {
    const tasks = { current: [] as Task[] };
    const { user } = await newTaskMeetsExpiredSession(tasks, grace);

    await signInAgain(grace.email);
    // Dropped as she signs in, not only once the tasks page would read it.
    expect(await screen.findByRole('heading', { name: 'Hello, Grace' })).toBeInTheDocument();
    expect(draftsStored()).toBe(false);
    await user.click(within(await screen.findByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'Tasks' }));

    expect(await screen.findByText('No tasks yet.')).toBeInTheDocument();
    expect(screen.queryByText(/You have an unsaved/)).not.toBeInTheDocument();
    expect(draftsStored()).toBe(false);
  });

  it('is dropped when its account signs out', async () => {
    const tasks = { current: [] as Task[] };
    const { user } = await newTaskMeetsExpiredSession(tasks);
    await signInAgain(ada.email);
    await findOffer('You have an unsaved new task: “Quarterly plan”.');

    await user.click(screen.getByRole('button', { name: 'Sign out' }));

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(draftsStored()).toBe(false);
  });

  it('"Discard draft" drops it, and New task opens empty', async () => {
    const tasks = { current: [] as Task[] };
    const { user } = await newTaskMeetsExpiredSession(tasks);
    await signInAgain(ada.email);

    await user.click(await screen.findByRole('button', { name: 'Discard draft' }));

    expect(screen.queryByText(/You have an unsaved/)).not.toBeInTheDocument();
    expect(draftsStored()).toBe(false);
    await user.click(screen.getAllByRole('button', { name: 'New task' })[0]!);
    const dialog = screen.getByRole('dialog', { name: 'New task' });
    expect(within(dialog).getByLabelText('Title')).toHaveValue('');
    expect(dialog).not.toHaveAccessibleDescription(RESTORED);
  });

  it('of an edit, restored over a task changed elsewhere meanwhile: the user’s changes over the latest version, said, saved with its ETag', async () => {
    const v1 = makeTask({ title: 'Budget', description: 'Rough', priority: 'low', updated_at: '2026-11-01T10:00:00Z' });
    const tasks = { current: [v1] };
    disconnect = connectSession();
    const writes = serveExpiringSession(tasks);
    renderApp('/tasks');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Edit “Budget”' }));
    let dialog = screen.getByRole('dialog', { name: 'Edit “Budget”' });
    await user.type(within(dialog).getByLabelText('Title'), ' 2027');
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    // Meanwhile a colleague raises its priority.
    tasks.current = [{ ...v1, priority: 'high', updated_at: '2026-11-02T10:00:00Z' }];

    await signInAgain(ada.email);
    await findOffer('You have unsaved changes to “Budget”.');
    await user.click(screen.getByRole('button', { name: 'Restore draft' }));

    dialog = screen.getByRole('dialog', { name: 'Edit “Budget”' });
    expect(dialog).toHaveAccessibleDescription(RESTORED);
    await waitFor(() => expect(within(dialog).getByLabelText('Priority')).toHaveValue('high'));
    expect(within(dialog).getByLabelText('Title')).toHaveValue('Budget 2027');
    expect(within(dialog).getByRole('alert')).toHaveTextContent('Changed elsewhere: Priority.');
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(writes).toEqual([{ method: 'PATCH', ifMatch: '"2026-11-02T10:00:00Z"', body: { title: 'Budget 2027' } }]);
    expect(draftsStored()).toBe(false);
  });

  it('is kept as the user types, and dropped when the dialog closes the usual way', async () => {
    serveExpiringSession({ current: [] });
    renderApp('/tasks');
    const user = userEvent.setup();
    await user.click((await screen.findAllByRole('button', { name: 'New task' }))[0]!);
    const dialog = screen.getByRole('dialog', { name: 'New task' });

    await user.type(within(dialog).getByLabelText('Title'), 'Half');
    await waitFor(() => expect(draftsStored()).toBe(true));
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Discard changes' }));

    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(draftsStored()).toBe(false);
  });
});
