import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { queryClient } from '@/lib/query-client';
import { makeTask, page } from '@/testing/fixtures';
import type { Task } from '@/features/tasks/types';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

describe('editing a task someone else changed (412)', () => {
  it('names the fields changed elsewhere, and those where the user’s change replaces theirs, in the alert', async () => {
    const v1 = makeTask({ title: 'Shared', description: 'Old notes', priority: 'low' });
    const v2 = { ...v1, title: 'Shared (colleague)', description: 'Notes from a colleague', updated_at: '2026-11-02T10:00:00Z' };
    let stored = { task: v1, etag: '"v1"' };
    server.use(
      http.get(`${API}/tasks/`, () => HttpResponse.json(page([v1]))),
      http.get(`${API}/tasks/:id/`, () => HttpResponse.json(stored.task, { headers: { ETag: stored.etag } })),
      http.patch(`${API}/tasks/:id/`, () =>
        HttpResponse.json({ detail: 'The task changed.', code: 'precondition_failed' }, { status: 412, headers: { ETag: stored.etag } }),
      ),
    );
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Edit “Shared”' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit “Shared”' });
    await waitFor(() => expect(queryClient.getQueryData(['tasks', 'detail', v1.id])).toBeDefined());
    stored = { task: v2, etag: '"v2"' }; // a colleague saves meanwhile
    await user.clear(within(dialog).getByLabelText('Title'));
    await user.type(within(dialog).getByLabelText('Title'), 'Mine');
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));

    const alert = within(dialog).getByRole('alert');
    await waitFor(() => expect(alert).toHaveTextContent('Changed elsewhere: Title, Description.'));
    expect(alert).toHaveTextContent('Your change replaces theirs in: Title.');
    expect(within(dialog).getByLabelText('Title')).toHaveValue('Mine');
    expect(within(dialog).getByLabelText('Description')).toHaveValue('Notes from a colleague');
  });
});

describe('the user’s own save is not a change made elsewhere', () => {
  it('closes as soon as the save is made, with the saved version in the list and the task’s cache, never saying “changed elsewhere”', async () => {
    let stored: Task = makeTask({ title: 'Shared' });
    let version = 1;
    let listLoads = 0;
    let answerList = (): void => undefined;
    server.use(
      http.get(`${API}/tasks/`, async () => {
        listLoads += 1;
        // The lists' refetch after saving is slow to answer.
        if (listLoads > 1) await new Promise<void>((resolve) => (answerList = resolve));
        return HttpResponse.json(page([stored]));
      }),
      http.get(`${API}/tasks/:id/`, () => HttpResponse.json(stored, { headers: { ETag: `"v${version}"` } })),
      http.patch(`${API}/tasks/:id/`, async ({ request }) => {
        const body = (await request.json()) as Partial<Task>;
        version += 1;
        stored = { ...stored, ...body, updated_at: '2026-11-03T10:00:00Z' };
        return HttpResponse.json(stored, { headers: { ETag: `"v${version}"` } });
      }),
    );
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Edit “Shared”' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit “Shared”' });
    await waitFor(() => expect(queryClient.getQueryData(['tasks', 'detail', stored.id])).toBeDefined());
    await user.type(within(dialog).getByLabelText('Title'), ' plan');
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(screen.queryByText(/changed elsewhere/)).not.toBeInTheDocument();
    expect(listLoads).toBe(2); // the refetch is still on its way
    expect(screen.getByText('Shared plan', { selector: '.task__title' })).toBeInTheDocument();
    expect(queryClient.getQueryData(['tasks', 'detail', stored.id])).toEqual({ data: stored, etag: '"v2"' });
    answerList();
  });

  it('a newer version holding the very values the form shows moves the form onto it without a notice', async () => {
    // (the save's answer reaching the dialog before it closes, or a colleague's identical change)
    const v1 = makeTask({ title: 'Shared' });
    const v2 = { ...v1, title: 'Shared plan', updated_at: '2026-11-02T10:00:00Z' };
    let answerDetail = (): void => undefined;
    const detailAnswered = new Promise<void>((resolve) => (answerDetail = resolve));
    server.use(
      http.get(`${API}/tasks/`, () => HttpResponse.json(page([v1]))),
      // The task's own GET answers once the user has typed; by then the task holds what they typed.
      http.get(`${API}/tasks/:id/`, async () => {
        await detailAnswered;
        return HttpResponse.json(v2, { headers: { ETag: '"v2"' } });
      }),
    );
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Edit “Shared”' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit “Shared”' });
    await user.type(within(dialog).getByLabelText('Title'), ' plan');
    answerDetail();

    await waitFor(() => expect(queryClient.getQueryData(['tasks', 'detail', v1.id])).toBeDefined());
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Save changes' })).not.toHaveAttribute('aria-disabled'));
    expect(within(dialog).queryByText(/changed elsewhere/)).not.toBeInTheDocument();
    expect(within(dialog).getByLabelText('Title')).toHaveValue('Shared plan');

    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    // Nothing left to save: the dialog closes without a PATCH (an unhandled one would fail the test).
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });
});
