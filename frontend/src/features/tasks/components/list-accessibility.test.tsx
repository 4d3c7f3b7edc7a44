import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { makeTask, page } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import type { Task } from '@/features/tasks/types';

/** A list that filters by status and search as the API does; PATCH and bulk complete change what it stores. */
function serveTasks(initial: Task[]) {
  let stored = [...initial];
  server.use(
    http.get(`${API}/tasks/`, ({ request }) => {
      const query = new URL(request.url).searchParams;
      const status = query.get('status');
      const search = query.get('search')?.toLowerCase();
      return HttpResponse.json(
        page(stored.filter((task) => (!status || task.status === status) && (!search || task.title.toLowerCase().includes(search)))),
      );
    }),
    http.patch(`${API}/tasks/:id/`, async ({ request, params }) => {
      const body = (await request.json()) as Partial<Task>;
      stored = stored.map((task) => (task.id === params.id ? { ...task, ...body } : task));
      return HttpResponse.json(stored.find((task) => task.id === params.id));
    }),
    http.post(`${API}/tasks/bulk/`, async ({ request }) => {
      const { ids } = (await request.json()) as { ids: string[] };
      stored = stored.map((task) => (ids.includes(task.id) ? { ...task, status: 'done' } : task));
      return HttpResponse.json({ updated: ids.length });
    }),
  );
}

const three = () => [makeTask({ title: 'Write report' }), makeTask({ title: 'Call plumber' }), makeTask({ title: 'Book dentist' })];

describe('the task list announces its result', () => {
  it('says how many tasks the search and filters found, none included, from a live region there from the start', async () => {
    serveTasks(three());
    renderApp('/tasks');
    const user = userEvent.setup();
    const region = await screen.findByTestId('tasks-result');
    expect(region).toHaveAttribute('role', 'status');
    await waitFor(() => expect(region).toHaveTextContent('You have 3 tasks.'));

    await user.type(screen.getByLabelText('Search'), 'report');
    await waitFor(() => expect(region).toHaveTextContent('1 task matches the filters.'));

    await user.selectOptions(screen.getByLabelText('Status'), 'done');
    await waitFor(() => expect(region).toHaveTextContent('No task matches the filters.'));
    expect(screen.getByText('No tasks match these filters.')).toBeInTheDocument();
    // The same region all along: one that appeared with its words might not be read out.
    expect(screen.getByTestId('tasks-result')).toBe(region);
  });
});

describe('the focus is never lost to <body> on the tasks page', () => {
  it('Clear filters, which goes once clicked, hands the focus to the search box', async () => {
    serveTasks(three());
    renderApp('/tasks?search=report');
    const user = userEvent.setup();
    await screen.findByText('Write report');

    await user.click(screen.getByRole('button', { name: 'Clear filters' }));

    await screen.findByText('Call plumber');
    expect(screen.queryByRole('button', { name: 'Clear filters' })).not.toBeInTheDocument();
    expect(screen.getByLabelText('Search')).toHaveFocus();
  });

  it('Clear filters in the empty state hands the focus to the search box too', async () => {
    serveTasks(three());
    renderApp('/tasks?search=nothing-like-it');
    const user = userEvent.setup();

    await screen.findByText('No tasks match these filters.');
    await user.click(within(screen.getByRole('region', { name: 'Task list' })).getByRole('button', { name: 'Clear filters' }));

    await screen.findByText('Call plumber');
    expect(screen.getByLabelText('Search')).toHaveFocus();
  });

  it('after Complete selected the bulk bar goes, and the focus goes to "Select all on this page"', async () => {
    serveTasks(three());
    renderApp('/tasks');
    const user = userEvent.setup();
    await user.click(await screen.findByLabelText('Select “Write report”'));
    await user.click(screen.getByLabelText('Select “Book dentist”'));

    await user.click(screen.getByRole('button', { name: 'Complete selected' }));

    expect(await screen.findByText('2 tasks completed.')).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Selected tasks' })).not.toBeInTheDocument();
    expect(screen.getByLabelText('Select all on this page')).toHaveFocus();
  });

  it('a task completed out of a filtered list: the focus goes to the row now in its place', async () => {
    serveTasks(three());
    renderApp('/tasks?status=todo');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('switch', { name: 'Done: Call plumber' }));

    // The refetch leaves it out ("To do" only), with the switch that had the focus.
    await waitFor(() => expect(screen.queryByText('Call plumber')).not.toBeInTheDocument());
    const rows = screen.getAllByTestId('task-row');
    expect(rows[1]).toHaveTextContent('Book dentist');
    expect(rows[1]).toHaveFocus();
  });
});

describe('selection', () => {
  it('"Select all" is mixed when some tasks are selected, and the count is announced from a live region there before', async () => {
    serveTasks(three());
    renderApp('/tasks');
    const user = userEvent.setup();
    const region = await screen.findByTestId('tasks-selection');
    expect(region).toHaveAttribute('role', 'status');
    const all = await screen.findByLabelText('Select all on this page');
    expect(all).not.toBePartiallyChecked();

    await user.click(screen.getByLabelText('Select “Call plumber”'));

    expect(all).toBePartiallyChecked();
    expect(region).toHaveTextContent('1 task selected.');

    await user.click(all);
    expect(all).toBeChecked();
    expect(all).not.toBePartiallyChecked();
    expect(region).toHaveTextContent('3 tasks selected.');
  });
});
