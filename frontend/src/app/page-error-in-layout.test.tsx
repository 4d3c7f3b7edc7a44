import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeTask, page } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

// The dashboard page's chunk does not load (a newer build replaced it, or the network failed): its import fails.
vi.mock('@/features/dashboard/components/dashboard-page', () => {
  throw new Error('Failed to fetch dynamically imported module');
});

function setOnline(online: boolean) {
  vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(online);
  act(() => void window.dispatchEvent(new Event(online ? 'online' : 'offline')));
}

beforeEach(() => {
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  server.use(http.get(`${API}/tasks/`, () => HttpResponse.json(page([makeTask({ title: 'Old idea' })]))));
});
afterEach(() => setOnline(true));

describe('a page that fails in the signed-in layout', () => {
  it('shows the error in the page, keeping the shell: navigation, Sign out and the toasts (an Undo still offered)', async () => {
    renderApp('/tasks');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Delete “Old idea”' }));

    await user.click(screen.getByRole('link', { name: 'Dashboard' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Something went wrong' })).toBeInTheDocument();
    expect(screen.getByText('The page could not be shown. Reloading usually fixes it.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Reload the page' })).toBeInTheDocument();
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeInTheDocument();
    expect(within(screen.getByRole('region', { name: 'Notifications' })).getByRole('button', { name: 'Undo' })).toBeInTheDocument();
    expect(screen.getAllByRole('main')).toHaveLength(1);

    // Another page clears it.
    await user.click(screen.getByRole('link', { name: 'Tasks' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Tasks' })).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Something went wrong' })).not.toBeInTheDocument();
  });

  it('says the user is offline, when so, rather than that reloading fixes it', async () => {
    renderApp('/tasks');
    const user = userEvent.setup();
    await screen.findByRole('heading', { level: 1, name: 'Tasks' });
    setOnline(false);

    await user.click(screen.getByRole('link', { name: 'Dashboard' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Something went wrong' })).toBeInTheDocument();
    expect(screen.getByText('The page could not be loaded: you are offline. Reload it once the connection is back.')).toBeInTheDocument();
    expect(screen.queryByText(/Reloading usually fixes it/)).not.toBeInTheDocument();
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeInTheDocument();
  });
});
