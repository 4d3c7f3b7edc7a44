import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { BrowserRouter, Link, Route, Routes } from 'react-router';
import { describe, expect, it } from 'vitest';
import { setAccessToken } from '@/lib/access-token';
import { queryClient } from '@/lib/query-client';
import { resetSessionForTests } from '@/lib/session';
import { TasksPage } from '@/features/tasks/components/tasks-page';
import { makeTask, page, user } from '@/testing/fixtures';
import { API, server } from '@/testing/server';

/**
 * The tasks page as it runs (BrowserRouter: the browser's own history, its Back included), signed in, reached from
 * another page through a link, as in the audit (the dashboard, there). The history entries of earlier tests stay behind
 * that page's: a Back that got past the tasks page would land on them.
 */
async function onTasksFromAnotherPage({ strict = false } = {}) {
  const task = makeTask({ title: 'Existing' });
  server.use(
    http.get(`${API}/tasks/`, () => HttpResponse.json(page([task]))),
    http.get(`${API}/tasks/:id/`, () => HttpResponse.json(task, { headers: { ETag: '"v1"' } })),
  );
  window.history.pushState(null, '', '/');
  setAccessToken('access-1');
  resetSessionForTests({ status: 'authenticated', user });
  const app = (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <Routes>
          <Route path="/" element={<h1>Dashboard</h1>} />
          <Route path="/tasks" element={<TasksPage />} />
        </Routes>
        <Link to="/tasks">Tasks</Link>
      </BrowserRouter>
    </QueryClientProvider>
  );
  render(strict ? <StrictMode>{app}</StrictMode> : app);
  const user_ = userEvent.setup();
  await user_.click(screen.getByRole('link', { name: 'Tasks' }));
  await screen.findByText('Existing');
  return user_;
}

const path = () => `${window.location.pathname}${window.location.search}`;

/** The browser's Back button (or Android's): the history goes back one entry, and popstate says so a moment later. */
async function pressBack() {
  const popped = new Promise((resolve) => window.addEventListener('popstate', resolve, { once: true }));
  await act(async () => {
    window.history.back();
    await popped;
  });
}

describe('Back with the task dialog open', () => {
  it('with changes, asks first and stays on the tasks page; keep editing keeps the text, and asks again next time', async () => {
    const user = await onTasksFromAnotherPage();
    await user.click(screen.getAllByRole('button', { name: 'New task' })[0]!);
    const dialog = screen.getByRole('dialog', { name: 'New task' });
    await user.type(within(dialog).getByLabelText('Title'), 'Half a thought');

    await pressBack();

    const ask = await screen.findByRole('alertdialog', { name: 'Discard your changes?' });
    expect(path()).toBe('/tasks');
    await user.click(within(ask).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(within(dialog).getByLabelText('Title')).toHaveValue('Half a thought');

    await pressBack();
    expect(await screen.findByRole('alertdialog', { name: 'Discard your changes?' })).toBeInTheDocument();
    expect(path()).toBe('/tasks');
    expect(screen.getByRole('heading', { name: 'Tasks' })).toBeInTheDocument();
  });

  it('with changes, "Discard changes" closes the dialog; the next Back leaves the page as usual', async () => {
    const user = await onTasksFromAnotherPage();
    await user.click(screen.getAllByRole('button', { name: 'New task' })[0]!);
    await user.type(within(screen.getByRole('dialog', { name: 'New task' })).getByLabelText('Title'), 'Never mind');

    await pressBack();
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Discard changes' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(path()).toBe('/tasks');
    await pressBack();
    expect(await screen.findByRole('heading', { name: 'Dashboard' })).toBeInTheDocument();
    expect(path()).toBe('/');
  });

  it('without changes, closes the dialog and stays on the tasks page', async () => {
    const user = await onTasksFromAnotherPage();
    await user.click(screen.getAllByRole('button', { name: 'New task' })[0]!);
    expect(screen.getByRole('dialog', { name: 'New task' })).toBeInTheDocument();

    await pressBack();

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(path()).toBe('/tasks');
    expect(screen.getByText('Existing')).toBeInTheDocument();
  });

  it('closed the usual way (Cancel, Escape), leaves no entry behind: Back then leaves the page at once', async () => {
    const user = await onTasksFromAnotherPage();
    const entry = window.history.state as unknown;
    const length = window.history.length;
    await user.click(screen.getAllByRole('button', { name: 'New task' })[0]!);
    await user.click(within(screen.getByRole('dialog', { name: 'New task' })).getByRole('button', { name: 'Cancel' }));
    // The entry the dialog added is gone again (going back to it is asynchronous): the tasks page's own.
    await waitFor(() => expect(window.history.state).toEqual(entry));
    await user.click(screen.getByRole('button', { name: 'Edit “Existing”' }));
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    await waitFor(() => expect(window.history.state).toEqual(entry));
    // Each dialog's entry took the place of the one before: at most one entry more, ahead of this one.
    expect(window.history.length).toBeLessThanOrEqual(length + 1);

    await pressBack();

    expect(await screen.findByRole('heading', { name: 'Dashboard' })).toBeInTheDocument();
    expect(path()).toBe('/');
  });

  it('under StrictMode (effects run twice), adds one entry and takes it away again', async () => {
    const user = await onTasksFromAnotherPage({ strict: true });
    const entry = window.history.state as unknown;
    await user.click(screen.getAllByRole('button', { name: 'New task' })[0]!);
    await user.type(within(screen.getByRole('dialog', { name: 'New task' })).getByLabelText('Title'), 'Twice');

    await pressBack();
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Cancel' }));
    expect(path()).toBe('/tasks');
    await user.click(within(screen.getByRole('dialog', { name: 'New task' })).getByRole('button', { name: 'Cancel' }));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Discard changes' }));
    await waitFor(() => expect(window.history.state).toEqual(entry));

    await pressBack();
    expect(await screen.findByRole('heading', { name: 'Dashboard' })).toBeInTheDocument();
  });
});
