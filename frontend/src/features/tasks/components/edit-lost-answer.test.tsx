import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { queryClient } from '@/lib/query-client';
import { makeTask, page } from '@/testing/fixtures';
import type { Task } from '@/features/tasks/types';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import { isolating } from '@/testing/isolating';

/**
 * The task on the server, its version an ETag; a PATCH with another If-Match is refused (412). `loseAnswers`: the
 * answers of the first PATCHes the server makes are lost on the way back. The lists' refetches after the first
 * list never answer: what the list shows then comes from the dialog's save.
 */
function serveTask(task: Task, { loseAnswers = 0 } = {}) {
  const server_ = { task, version: 1, patches: [] as string[] };
  let listLoads = 0;
  server.use(
    http.get(`${API}/tasks/`, () => {
      listLoads += 1;
      return listLoads === 1 ? HttpResponse.json(page([server_.task])) : new Promise<Response>(() => undefined);
    }),
    http.get(`${API}/tasks/:id/`, () => HttpResponse.json(server_.task, { headers: { ETag: `"v${server_.version}"` } })),
    http.patch(`${API}/tasks/:id/`, async ({ request }) => {
      const ifMatch = request.headers.get('If-Match');
      if (ifMatch !== `"v${server_.version}"`) {
        server_.patches.push(`412 for ${ifMatch}`);
        return HttpResponse.json({ detail: 'The task changed.', code: 'precondition_failed' }, { status: 412, headers: { ETag: `"v${server_.version}"` } });
      }
      server_.version += 1;
      server_.task = { ...server_.task, ...((await request.json()) as Partial<Task>), updated_at: `2026-11-0${server_.version}T10:00:00Z` };
      server_.patches.push(`saved v${server_.version}`);
      if (server_.patches.length <= loseAnswers) return HttpResponse.error();
      return HttpResponse.json(server_.task, { headers: { ETag: `"v${server_.version}"` } });
    }),
  );
  return server_;
}

describe('Save pressed again after a save whose answer was lost', () => {
  it('finds the save made (412, then the task reloaded holds the form’s values): says “Saved”, closes, and the list shows it', async () => {
    const stored = serveTask(makeTask({ title: 'Original title' }), { loseAnswers: 1 });
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Edit “Original title”' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit “Original title”' });
    await waitFor(() => expect(queryClient.getQueryData(['tasks', 'detail', stored.task.id])).toBeDefined());
    await user.clear(within(dialog).getByLabelText('Title'));
    await user.type(within(dialog).getByLabelText('Title'), 'My new title');
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    expect(await within(dialog).findByText(/Could not reach the server/)).toBeInTheDocument();

    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(stored.patches).toEqual(['saved v2', '412 for "v1"']);
    expect(screen.getByText(isolating('Saved “My new title”.', 'My new title'))).toBeInTheDocument();
    expect(screen.getByText('My new title', { selector: '.task__title' })).toBeInTheDocument();
    expect(screen.queryByText('Original title')).not.toBeInTheDocument();
    expect(screen.queryByText(/changed elsewhere/)).not.toBeInTheDocument();
  });
});

describe('Save pressed again after a lost answer, then typing on while the task reloads', () => {
  it('keeps the dialog open with what the user typed: the version reloaded no longer holds what the form shows', async () => {
    const stored = serveTask(makeTask({ title: 'Original title' }), { loseAnswers: 1 });
    let reloads = 0;
    let answerReload = (): void => undefined;
    server.use(
      http.get(`${API}/tasks/:id/`, async () => {
        reloads += 1;
        if (reloads > 1) await new Promise<void>((resolve) => (answerReload = resolve));
        return HttpResponse.json(stored.task, { headers: { ETag: `"v${stored.version}"` } });
      }),
    );
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Edit “Original title”' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit “Original title”' });
    await waitFor(() => expect(reloads).toBe(1));
    await user.clear(within(dialog).getByLabelText('Title'));
    await user.type(within(dialog).getByLabelText('Title'), 'My new title');
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    expect(await within(dialog).findByText(/Could not reach the server/)).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(reloads).toBe(2));
    await user.type(within(dialog).getByLabelText('Title'), ', then more');
    answerReload();

    await waitFor(() => expect(within(dialog).queryByText(/Loading the latest version/)).not.toBeInTheDocument());
    // Still open, now titled by the version reloaded: the lost answer had saved the new title.
    expect(screen.getByRole('dialog', { name: 'Edit “My new title”' })).toBe(dialog);
    expect(within(dialog).getByLabelText('Title')).toHaveValue('My new title, then more');
    expect(screen.queryByText(/^Saved/)).not.toBeInTheDocument();
  });
});

describe('a 412 whose reload brings nothing new', () => {
  it('stops saying “Loading the latest version…” once the reload has landed', async () => {
    const task = makeTask({ title: 'Shared' });
    let reloads = 0;
    server.use(
      http.get(`${API}/tasks/`, () => HttpResponse.json(page([task]))),
      http.get(`${API}/tasks/:id/`, () => {
        reloads += 1;
        return HttpResponse.json(task, { headers: { ETag: '"v1"' } });
      }),
      // Refused although the version is the one the dialog has (e.g. a proxy that changed the ETag on its way).
      http.patch(`${API}/tasks/:id/`, () =>
        HttpResponse.json({ detail: 'The task changed.', code: 'precondition_failed' }, { status: 412, headers: { ETag: '"v1"' } }),
      ),
    );
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Edit “Shared”' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit “Shared”' });
    await waitFor(() => expect(reloads).toBe(1));
    await user.type(within(dialog).getByLabelText('Title'), ' plan');
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(reloads).toBe(2));
    await waitFor(() => expect(within(dialog).queryByText(/Loading the latest version/)).not.toBeInTheDocument());
    expect(within(dialog).getByLabelText('Title')).toHaveValue('Shared plan');
    expect(within(dialog).getByRole('button', { name: 'Save changes' })).not.toHaveAttribute('aria-disabled');
  });
});
