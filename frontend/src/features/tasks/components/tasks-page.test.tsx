import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { queryClient } from '@/lib/query-client';
import { makeTask, page } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import { serveTasks } from '@/testing/tasks-page-api';
import { isolating } from '@/testing/isolating';

describe('status toggle', () => {
  it('shows the change at once and keeps it when the server agrees', async () => {
    const task = makeTask({ title: 'Write report' });
    const stored = [task];
    serveTasks(stored);
    const patches: unknown[] = [];
    let answer: (() => void) | undefined;
    server.use(
      http.patch(`${API}/tasks/:id/`, async ({ request, params }) => {
        patches.push({ id: params.id, body: await request.json() });
        await new Promise<void>((resolve) => (answer = resolve));
        stored[0] = { ...task, status: 'done' };
        return HttpResponse.json(stored[0]);
      }),
    );
    renderApp('/tasks');
    const user = userEvent.setup();

    const toggle = await screen.findByRole('switch', { name: 'Done: Write report' });
    expect(toggle).not.toBeChecked();
    await user.click(toggle);

    // Done on screen while the server has not answered yet, and not clickable again until it has:
    // busy (aria-disabled), not disabled, so the keyboard focus stays on it.
    await waitFor(() => expect(toggle).toBeChecked());
    expect(toggle).toHaveAttribute('aria-disabled', 'true');
    expect(toggle).toHaveFocus();
    await user.click(toggle);
    await waitFor(() => expect(patches).toEqual([{ id: task.id, body: { status: 'done' } }]));
    expect(answer).toBeDefined();
    act(() => answer?.());
    await waitFor(() => expect(screen.getByRole('switch', { name: 'Done: Write report' })).not.toHaveAttribute('aria-disabled'));
    expect(screen.getByRole('switch', { name: 'Done: Write report' })).toBeChecked();
    expect(patches).toHaveLength(1); // the click while busy did nothing
  });

  it('rolls back and says so when the server refuses, before any refetch answers', async () => {
    const task = makeTask({ title: 'Write report' });
    // The first list load answers; every later one (the refetch after the failure) never does,
    // so only the rollback itself can put the switch back.
    let listLoads = 0;
    server.use(
      http.get(`${API}/tasks/`, async () => {
        listLoads += 1;
        if (listLoads > 1) await new Promise(() => undefined);
        return HttpResponse.json(page([task]));
      }),
    );
    let answer: (() => void) | undefined;
    server.use(
      http.patch(`${API}/tasks/:id/`, async () => {
        await new Promise<void>((resolve) => (answer = resolve));
        return HttpResponse.json({ detail: 'The server had a problem.', code: 'server_error' }, { status: 500 });
      }),
    );
    renderApp('/tasks');
    const user = userEvent.setup();

    const toggle = await screen.findByRole('switch', { name: 'Done: Write report' });
    await user.click(toggle);
    // Optimistic: done before the server has answered.
    await waitFor(() => expect(toggle).toHaveAttribute('aria-checked', 'true'));
    await waitFor(() => expect(answer).toBeDefined());
    act(() => answer?.());

    expect(await screen.findByText(isolating('Could not update “Write report”: The server had a problem.', 'Write report'))).toBeInTheDocument();
    expect(screen.getByRole('switch', { name: 'Done: Write report' })).toHaveAttribute('aria-checked', 'false');
    expect(listLoads).toBe(2); // the refetch was asked for and is still pending
  });
});

describe('task dialog', () => {
  it('shows the API field errors and keeps the dialog open', async () => {
    serveTasks([]);
    server.use(
      http.post(`${API}/tasks/`, () =>
        HttpResponse.json({ title: ['Ensure this field has no more than 200 characters.'], due_date: ['Date has wrong format.'] }, { status: 400 }),
      ),
    );
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click((await screen.findAllByRole('button', { name: 'New task' }))[0]!);
    const dialog = screen.getByRole('dialog', { name: 'New task' });
    expect(within(dialog).getByLabelText('Title')).toHaveFocus();
    await user.type(within(dialog).getByLabelText('Title'), 'Plan');
    await user.click(within(dialog).getByRole('button', { name: 'Create task' }));

    expect(await within(dialog).findByText('Ensure this field has no more than 200 characters.')).toBeInTheDocument();
    expect(within(dialog).getByLabelText('Title')).toHaveAttribute('aria-invalid', 'true');
    expect(within(dialog).getByLabelText('Due date')).toHaveAccessibleDescription('Date has wrong format.');
  });

  it('closes on Escape and gives focus back to the button that opened it', async () => {
    serveTasks([makeTask({ title: 'Existing' })]);
    renderApp('/tasks');
    const user = userEvent.setup();
    const edit = await screen.findByRole('button', { name: 'Edit “Existing”' });

    await user.click(edit);
    expect(screen.getByRole('dialog', { name: 'Edit “Existing”' })).toBeInTheDocument();
    expect(screen.getByLabelText('Title')).toHaveValue('Existing');
    await user.keyboard('{Escape}');

    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(edit).toHaveFocus();
  });
});

describe('editing', () => {
  it('sends only the fields that changed', async () => {
    const task = makeTask({ title: 'Draft', description: 'Old notes', priority: 'low', due_date: null });
    serveTasks([task]);
    const bodies: unknown[] = [];
    server.use(
      http.patch(`${API}/tasks/:id/`, async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        bodies.push(body);
        return HttpResponse.json({ ...task, ...body });
      }),
    );
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Edit “Draft”' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit “Draft”' });
    await user.selectOptions(within(dialog).getByLabelText('Priority'), 'high');
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(bodies).toEqual([{ priority: 'high' }]);
  });

  it('waits for the task’s own GET before saving, so the PATCH always carries If-Match', async () => {
    const task = makeTask({ title: 'Shared' });
    serveTasks([task]);
    let answerDetail: (() => void) | undefined;
    const sent: (string | null)[] = [];
    server.use(
      // The first GET of the task is held until the test answers it; later ones (after saving) are not.
      http.get(`${API}/tasks/:id/`, async () => {
        if (!answerDetail) await new Promise<void>((resolve) => (answerDetail = resolve));
        return HttpResponse.json(task, { headers: { ETag: '"v1"' } });
      }),
      http.patch(`${API}/tasks/:id/`, ({ request }) => {
        sent.push(request.headers.get('If-Match'));
        return HttpResponse.json({ ...task, title: 'Shared plan' }, { headers: { ETag: '"v2"' } });
      }),
    );
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Edit “Shared”' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit “Shared”' });
    await user.type(within(dialog).getByLabelText('Title'), ' plan');
    await waitFor(() => expect(answerDetail).toBeDefined());
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));

    expect(sent).toEqual([]); // not without the version
    expect(within(dialog).getByRole('button', { name: 'Saving…' })).toHaveAttribute('aria-disabled', 'true');
    expect(within(dialog).getByRole('button', { name: 'Saving…' })).toHaveFocus();
    act(() => answerDetail?.());

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(sent).toEqual(['"v1"']);
  });

  it('on a 412 shows the latest version with the user’s changes on top, and saves that against the new version', async () => {
    const v1 = makeTask({ title: 'Shared', description: 'Old notes', priority: 'low' });
    const v2 = { ...v1, description: 'Notes from a colleague', priority: 'high' as const, updated_at: '2026-11-02T10:00:00Z' };
    let stored = { task: v1, etag: '"v1"' };
    serveTasks([v1]);
    const sent: { ifMatch: string | null; body: unknown }[] = [];
    server.use(
      http.get(`${API}/tasks/:id/`, () => HttpResponse.json(stored.task, { headers: { ETag: stored.etag } })),
      http.patch(`${API}/tasks/:id/`, async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        sent.push({ ifMatch: request.headers.get('If-Match'), body });
        if (request.headers.get('If-Match') !== stored.etag) {
          return HttpResponse.json({ detail: 'The task changed.', code: 'precondition_failed' }, { status: 412, headers: { ETag: stored.etag } });
        }
        return HttpResponse.json({ ...stored.task, ...body }, { headers: { ETag: '"v3"' } });
      }),
    );
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Edit “Shared”' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit “Shared”' });
    await waitFor(() => expect(queryClient.getQueryData(['tasks', 'detail', v1.id])).toBeDefined());
    stored = { task: v2, etag: '"v2"' }; // a colleague saves meanwhile
    await user.type(within(dialog).getByLabelText('Title'), ' plan');
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));

    expect(await within(dialog).findByText(/This task changed elsewhere/)).toBeInTheDocument();
    await waitFor(() => expect(within(dialog).getByLabelText('Description')).toHaveValue('Notes from a colleague'));
    expect(within(dialog).getByLabelText('Priority')).toHaveValue('high');
    expect(within(dialog).getByLabelText('Title')).toHaveValue('Shared plan');

    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(sent).toEqual([
      { ifMatch: '"v1"', body: { title: 'Shared plan' } },
      { ifMatch: '"v2"', body: { title: 'Shared plan' } },
    ]);
  });

  it('closes without a request when nothing changed', async () => {
    serveTasks([makeTask({ title: 'Same' })]);
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Edit “Same”' }));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));

    // Waited for: Save first waits for the task's own GET (its ETag), which a busy machine may not have answered yet.
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument()); // an unhandled PATCH would fail the test
  });
});

describe('bulk actions', () => {
  it('complete the selected tasks in one request', async () => {
    const [a, b, c] = [makeTask({ title: 'A' }), makeTask({ title: 'B' }), makeTask({ title: 'C' })];
    serveTasks([a!, b!, c!]);
    const bodies: unknown[] = [];
    server.use(
      http.post(`${API}/tasks/bulk/`, async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json({ updated: 2 });
      }),
    );
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click(await screen.findByLabelText('Select “A”'));
    await user.click(screen.getByLabelText('Select “C”'));
    await user.click(screen.getByRole('button', { name: 'Complete selected' }));

    expect(await screen.findByText('2 tasks completed.')).toBeInTheDocument();
    expect(bodies).toEqual([{ ids: [a!.id, c!.id], action: 'complete' }]);
  });
});
