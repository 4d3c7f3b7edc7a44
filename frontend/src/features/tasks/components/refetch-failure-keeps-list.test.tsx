import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { queryClient } from '@/lib/query-client';
import { makeTask, page } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

/** The list: answered, then refused (503, asking for a wait too long to retry by itself) as long as `failing` says. */
function serveFlakyList() {
  const state = { failing: false, requests: 0 };
  server.use(
    http.get(`${API}/tasks/`, () => {
      state.requests += 1;
      return state.failing
        ? HttpResponse.json({ detail: 'Service unavailable.' }, { status: 503, headers: { 'Retry-After': '120' } })
        : HttpResponse.json(page([makeTask({ title: 'Still here' }), makeTask({ title: 'Me too' })]));
    }),
  );
  return state;
}

const REFRESH_FAILED = "Couldn't refresh — showing what was loaded.";

describe('a background refresh of the list that fails', () => {
  it('keeps the list on screen with a polite notice, and Retry brings the refresh', async () => {
    const list = serveFlakyList();
    renderApp('/tasks');
    await screen.findByText('Still here');

    list.failing = true;
    await act(() => queryClient.refetchQueries({ queryKey: ['tasks'] }));

    const notice = await screen.findByText(REFRESH_FAILED);
    expect(notice.closest('[role="status"]')).not.toBeNull();
    expect(notice.closest('[role="alert"]')).toBeNull();
    expect(screen.getByText('Still here')).toBeInTheDocument();
    expect(screen.getByText('Me too')).toBeInTheDocument();
    expect(screen.queryByText(/Could not load your tasks/)).not.toBeInTheDocument();

    list.failing = false;
    const before = list.requests;
    // The button is out of the live region: "Retry" turning "Retrying…" does not have the sentence read again.
    const status = notice.closest<HTMLElement>('[role="status"]')!;
    const retry = screen.getByRole('button', { name: 'Retry' });
    expect(status).not.toContainElement(retry);
    expect(status).toHaveTextContent(/^Couldn't refresh — showing what was loaded\.$/);
    await userEvent.setup().click(retry);

    await waitFor(() => expect(screen.queryByText(REFRESH_FAILED)).not.toBeInTheDocument());
    expect(list.requests).toBe(before + 1);
    expect(screen.getByText('Still here')).toBeInTheDocument();
  });

  it('with nothing loaded yet, shows the error in place of the list', async () => {
    const list = serveFlakyList();
    list.failing = true;
    renderApp('/tasks');

    expect((await screen.findByText(/^Could not load your tasks\./)).closest('[role="alert"]')).not.toBeNull();
    expect(screen.queryByText(REFRESH_FAILED)).not.toBeInTheDocument();
  });
});
