import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { readPreference, writePreference } from '@/lib/preferences';
import { makeTask, page } from '@/testing/fixtures';
import { isolating } from '@/testing/isolating';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import type { Task } from '@/features/tasks/types';

afterEach(() => writePreference('shortcuts', null));

function serveTasks(tasks: Task[]) {
  const patches: unknown[] = [];
  server.use(
    http.get(`${API}/tasks/`, () => HttpResponse.json(page(tasks))),
    http.get(`${API}/tasks/:id/`, ({ params }) => HttpResponse.json(tasks.find((task) => task.id === params.id), { headers: { ETag: '"v1"' } })),
    http.patch(`${API}/tasks/:id/`, async ({ request, params }) => {
      const body = (await request.json()) as Partial<Task>;
      patches.push({ id: params.id, body });
      return HttpResponse.json({ ...tasks.find((task) => task.id === params.id), ...body });
    }),
  );
  return patches;
}

async function openTasks(tasks: Task[]) {
  const patches = serveTasks(tasks);
  renderApp('/tasks');
  const user = userEvent.setup();
  await screen.findByText(tasks[0]!.title);
  return { user, patches, rows: () => screen.getAllByTestId('task-row') };
}

describe('keyboard shortcuts on the tasks page', () => {
  it('/ goes to the search box; typed there, the keys are text, not shortcuts', async () => {
    const { user } = await openTasks([makeTask({ title: 'One' })]);

    await user.keyboard('/');
    expect(screen.getByLabelText('Search')).toHaveFocus();
    await user.keyboard('new');

    expect(screen.getByLabelText('Search')).toHaveValue('new');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('n opens a new task, and no shortcut fires while the dialog is open', async () => {
    const { user } = await openTasks([makeTask({ title: 'One' })]);

    await user.keyboard('n');
    const dialog = screen.getByRole('dialog', { name: 'New task' });
    within(dialog).getByRole('button', { name: 'Cancel' }).focus();
    await user.keyboard('?j');

    expect(screen.getAllByRole('dialog')).toHaveLength(1);
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();
  });

  it('j and k move between the rows; x, e, c and d act on the row that has the focus', async () => {
    const [first, second, third] = [makeTask({ title: 'First' }), makeTask({ title: 'Second' }), makeTask({ title: 'Third' })];
    const { user, patches, rows } = await openTasks([first!, second!, third!]);

    await user.keyboard('j');
    expect(rows()[0]).toHaveFocus();
    await user.keyboard('jjj');
    expect(rows()[2]).toHaveFocus(); // stops at the last row
    await user.keyboard('k');
    expect(rows()[1]).toHaveFocus();

    await user.keyboard('x');
    expect(screen.getByLabelText('Select “Second”')).toBeChecked();
    expect(screen.getByText('1 selected')).toBeInTheDocument();

    await user.keyboard('c');
    await waitFor(() => expect(patches).toEqual([{ id: second!.id, body: { status: 'done' } }]));

    await user.keyboard('e');
    const edit = screen.getByRole('dialog', { name: 'Edit “Second”' });
    expect(within(edit).getByLabelText('Title')).toHaveValue('Second');
    await user.keyboard('{Escape}');
    expect(rows()[1]).toHaveFocus(); // the dialog gives the focus back to the row

    await user.keyboard('d');
    expect(screen.queryByText('Second', { selector: '.task__title' })).not.toBeInTheDocument(); // deleted, with Undo (delete-with-undo.test.tsx)
    expect(screen.getByText(isolating('Deleted “Second”.', 'Second'))).toBeInTheDocument();
    await waitFor(() => expect(rows()[1]).toHaveFocus()); // the next row took the focus
    expect(rows()[1]).toHaveTextContent('Third');
  });

  it('c does nothing while the task’s toggle is on its way, as its switch (busy) does', async () => {
    // (a second toggle sent meanwhile could be applied first, and the task end opposite to what was asked)
    let stored = makeTask({ title: 'Flip me' });
    const patches: string[] = [];
    let answerFirst = (): void => undefined;
    const firstAnswered = new Promise<void>((resolve) => (answerFirst = resolve));
    server.use(
      http.get(`${API}/tasks/`, () => HttpResponse.json(page([stored]))),
      http.patch(`${API}/tasks/:id/`, async ({ request }) => {
        const body = (await request.json()) as Partial<Task>;
        if (patches.push(String(body.status)) === 1) await firstAnswered;
        stored = { ...stored, ...body };
        return HttpResponse.json(stored);
      }),
    );
    renderApp('/tasks');
    const user = userEvent.setup();
    await screen.findByText('Flip me');

    await user.keyboard('jc');
    await waitFor(() => expect(patches).toEqual(['done']));
    expect(screen.getByRole('switch', { name: 'Done: Flip me' })).toHaveAttribute('aria-disabled', 'true');
    await user.keyboard('c');
    answerFirst();

    await waitFor(() => expect(screen.getByRole('switch', { name: 'Done: Flip me' })).not.toHaveAttribute('aria-disabled', 'true'));
    expect(patches).toEqual(['done']);
    expect(screen.getByRole('switch', { name: 'Done: Flip me' })).toHaveAttribute('aria-checked', 'true');

    // Once answered, c toggles again.
    await user.keyboard('c');
    await waitFor(() => expect(patches).toEqual(['done', 'todo']));
  });

  it('ignore keys held with Ctrl, Alt or Meta, and row shortcuts with no row focused', async () => {
    const { user, patches } = await openTasks([makeTask({ title: 'One' })]);

    await user.keyboard('{Control>}n{/Control}{Alt>}n{/Alt}{Meta>}n{/Meta}');
    await user.keyboard('xcde');

    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(patches).toEqual([]);
  });

  it('? lists them, and they can be turned off on this device (and on again)', async () => {
    const { user } = await openTasks([makeTask({ title: 'One' })]);

    await user.keyboard('?');
    const help = await screen.findByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(within(help).getByText('New task')).toBeInTheDocument();
    await user.click(within(help).getByLabelText('Use single-key shortcuts on this device'));
    await user.keyboard('{Escape}');
    expect(readPreference('shortcuts')).toBe('off');

    await user.keyboard('n?');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();

    // The top bar's button still opens the help, to turn them back on.
    await user.click(screen.getByRole('button', { name: 'Shortcuts' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Keyboard shortcuts' })).getByLabelText('Use single-key shortcuts on this device'));
    await user.keyboard('{Escape}');
    await user.keyboard('n');
    expect(screen.getByRole('dialog', { name: 'New task' })).toBeInTheDocument();
  });

  it('b goes to the bulk bar when tasks are selected (far behind the rows in Shift+Tab order), and the help lists it', async () => {
    const { user } = await openTasks([makeTask({ title: 'One' }), makeTask({ title: 'Two' })]);

    await user.keyboard('b'); // nothing selected: no bar to go to
    expect(document.body).toHaveFocus();

    await user.keyboard('jjx');
    await user.keyboard('b');
    const bar = screen.getByRole('region', { name: 'Selected tasks' });
    expect(within(bar).getByRole('button', { name: 'Complete selected' })).toHaveFocus();

    await user.keyboard('?');
    const help = await screen.findByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(within(help).getByText('Go to the actions on the selected tasks')).toBeInTheDocument();
  });
});

