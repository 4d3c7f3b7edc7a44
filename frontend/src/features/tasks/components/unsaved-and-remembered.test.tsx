import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { endSession } from '@/lib/session';
import { makeTask, page } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

const stats = { total: 0, by_status: { todo: 0, in_progress: 0, done: 0 }, by_priority: { low: 0, medium: 0, high: 0 }, overdue: 0, completed_per_day: [] };

function serveTasks() {
  const task = makeTask({ title: 'Existing' });
  const writes: string[] = [];
  server.use(
    http.get(`${API}/tasks/`, () => HttpResponse.json(page([task]))),
    http.get(`${API}/tasks/stats/`, () => HttpResponse.json(stats)),
    http.get(`${API}/tasks/:id/`, () => HttpResponse.json(task, { headers: { ETag: '"v1"' } })),
    http.post(`${API}/tasks/`, () => {
      writes.push('POST');
      return HttpResponse.json(makeTask(), { status: 201 });
    }),
  );
  return writes;
}

/** Fires beforeunload as the browser does on closing or reloading the tab: true when the page asks to stay. */
function leavingAsks(): boolean {
  const event = new Event('beforeunload', { cancelable: true });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}

describe('unsaved changes in the task dialog', () => {
  it('closing a dialog with changes asks first; keep editing keeps them, discard closes and sends nothing', async () => {
    const writes = serveTasks();
    renderApp('/tasks');
    const user = userEvent.setup();
    await user.click((await screen.findAllByRole('button', { name: 'New task' }))[0]!);
    const dialog = screen.getByRole('dialog', { name: 'New task' });
    expect(leavingAsks()).toBe(false);
    await user.type(within(dialog).getByLabelText('Title'), 'Half a thought');
    expect(leavingAsks()).toBe(true);

    await user.keyboard('{Escape}');
    const ask = screen.getByRole('alertdialog', { name: 'Discard your changes?' });
    expect(within(ask).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.keyboard('{Enter}'); // the safe choice: keep editing
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(within(dialog).getByLabelText('Title')).toHaveValue('Half a thought');

    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Discard changes' }));

    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(leavingAsks()).toBe(false);
    expect(writes).toEqual([]);
  });

  it('gives the focus back to the button that opened the dialog after "Discard changes", by Escape or by Cancel', async () => {
    // Both dialogs close in one commit: the confirmation's opener (inside the edit dialog) is gone by then, and its
    // fallback to the main region must not take the focus from the Edit button the edit dialog gave it back to.
    serveTasks();
    renderApp('/tasks');
    const user = userEvent.setup();
    const edit = await screen.findByRole('button', { name: 'Edit “Existing”' });

    await user.click(edit);
    await user.type(within(screen.getByRole('dialog', { name: 'Edit “Existing”' })).getByLabelText('Title'), ' more');
    await user.keyboard('{Escape}');
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Discard changes' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(edit).toHaveFocus();

    await user.click(edit);
    const dialog = screen.getByRole('dialog', { name: 'Edit “Existing”' });
    await user.type(within(dialog).getByLabelText('Title'), ' again');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Discard changes' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(edit).toHaveFocus();
  });

  it('a dialog without changes, or one just saved, closes without asking', async () => {
    serveTasks();
    renderApp('/tasks');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Edit “Existing”' }));
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();

    await user.click(screen.getAllByRole('button', { name: 'New task' })[0]!);
    await user.type(screen.getByLabelText('Title'), 'Saved at once');
    await user.click(screen.getByRole('button', { name: 'Create task' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
  });
});

describe('the Tasks link remembers the list as it was left', () => {
  it('comes back with the filters, sort and page; forgotten when the session ends', async () => {
    serveTasks();
    const app = renderApp('/tasks?status=done&ordering=title');
    const user = userEvent.setup();
    await screen.findByText('Existing');
    const nav = () => within(screen.getByRole('navigation', { name: 'Main' }));

    await user.click(nav().getByRole('link', { name: 'Dashboard' }));
    await screen.findByRole('heading', { name: 'Hello, Ada' });
    await user.click(nav().getByRole('link', { name: 'Tasks' }));

    await waitFor(() => expect(app.location()).toBe('/tasks?status=done&ordering=title'));
    expect(await screen.findByLabelText('Status')).toHaveValue('done');

    endSession('signed-out');
    renderApp('/');
    await screen.findByRole('heading', { name: 'Hello, Ada' });
    expect(screen.getAllByRole('link', { name: 'Tasks' }).at(-1)).toHaveAttribute('href', '/tasks');
  });
});
