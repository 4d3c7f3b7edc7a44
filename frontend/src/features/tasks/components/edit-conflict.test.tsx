import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { queryClient } from '@/lib/query-client';
import { makeTask, page } from '@/testing/fixtures';
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
    const dialog = screen.getByRole('dialog', { name: 'Edit task' });
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
