import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { queryClient } from '@/lib/query-client';
import { makeTask, page } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import { isolating } from '@/testing/isolating';

/** The browser loses (or regains) its connection: navigator.onLine and the events, as a browser does it. */
function goOffline() {
  vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
  act(() => void window.dispatchEvent(new Event('offline')));
}

function goOnline() {
  vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(true);
  act(() => void window.dispatchEvent(new Event('online')));
}

afterEach(() => goOnline());

/** Writes TanStack Query holds back to send when the connection is back: there must be none. */
const queuedWrites = () => queryClient.getMutationCache().getAll().filter((mutation) => mutation.state.isPaused);

const BANNER = /You are offline\. Nothing can be saved until the connection is back/;

/** Every write the app sends, in order. */
function recordWrites(tasks = [makeTask({ title: 'Write report' })]) {
  const writes: string[] = [];
  server.use(
    http.get(`${API}/tasks/`, () => HttpResponse.json(page(tasks))),
    http.post(`${API}/tasks/`, () => {
      writes.push('POST /tasks/');
      return HttpResponse.json(makeTask({ title: 'Made' }), { status: 201 });
    }),
    http.patch(`${API}/tasks/:id/`, () => {
      writes.push('PATCH /tasks/:id/');
      return HttpResponse.json(tasks[0]);
    }),
  );
  return writes;
}

describe('offline', () => {
  it('shows a banner, in a live region that was there before, until the connection is back', async () => {
    recordWrites();
    renderApp('/tasks');
    await screen.findByText('Write report');
    const regions = screen.getAllByRole('status');

    goOffline();
    // findBy: React subscribes useSyncExternalStore in a passive effect, which may still be pending
    // when the page's first content is found; it then re-reads navigator.onLine and re-renders.
    const banner = await screen.findByText(BANNER);
    expect(regions.some((region) => region.contains(banner))).toBe(true);

    goOnline();
    expect(screen.queryByText(BANNER)).not.toBeInTheDocument();
  });

  it('on the sign-in page too', async () => {
    renderApp('/login', { as: 'anonymous' });
    await screen.findByRole('heading', { name: 'Sign in' });
    goOffline();
    expect(await screen.findByText(BANNER)).toBeInTheDocument();
  });

  it('a form sent offline sends nothing, says so, and nothing goes once the dialog is closed and the connection is back', async () => {
    const writes = recordWrites();
    renderApp('/tasks');
    const user = userEvent.setup();
    await screen.findByText('Write report');
    goOffline();

    await user.click(screen.getAllByRole('button', { name: 'New task' })[0]!);
    const dialog = screen.getByRole('dialog', { name: 'New task' });
    await user.type(within(dialog).getByLabelText('Title'), 'Buy milk');
    await user.click(within(dialog).getByRole('button', { name: 'Create task' }));

    expect(within(dialog).getByText('You are offline: nothing was sent. Try again when the connection is back.')).toBeInTheDocument();
    expect(queuedWrites()).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    goOnline();
    // Had anything been queued, going online would have sent it by now (TanStack resumes on 'online').
    await act(() => new Promise<void>((resolve) => queueMicrotask(resolve)));
    expect(writes).toEqual([]);
  });

  it('a write outside a form fails at once and says why, instead of waiting to be sent when the connection is back', async () => {
    const writes = recordWrites();
    renderApp('/tasks');
    const user = userEvent.setup();
    const toggle = await screen.findByRole('switch', { name: 'Done: Write report' });
    goOffline();

    await user.click(toggle);

    const notifications = within(screen.getByRole('region', { name: 'Notifications' }));
    expect(await notifications.findByText(isolating(/Could not update “Write report”: You are offline: nothing was sent/, 'Write report'))).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('switch', { name: 'Done: Write report' })).toHaveAttribute('aria-checked', 'false'));
    expect(queuedWrites()).toEqual([]);
    goOnline();
    await act(() => new Promise<void>((resolve) => queueMicrotask(resolve)));
    expect(writes).toEqual([]);
  });
});
