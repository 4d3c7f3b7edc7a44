import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SEARCH_DEBOUNCE_MS } from '@/config/env';
import { makeTask, page } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import { serveTasks } from '@/testing/tasks-page-api';

describe('tasks filters', () => {
  it('come from the URL and go into the API request', async () => {
    const queries = serveTasks([makeTask({ title: 'Ship it' })]);
    renderApp('/tasks?status=done&priority=high&overdue=true&ordering=title&search=ship');

    expect(await screen.findByText('Ship it')).toBeInTheDocument();
    expect(screen.getByLabelText('Status')).toHaveValue('done');
    expect(screen.getByLabelText('Priority')).toHaveValue('high');
    expect(screen.getByLabelText('Sort by')).toHaveValue('title');
    expect(screen.getByLabelText('Overdue only')).toBeChecked();
    expect(screen.getByLabelText('Search')).toHaveValue('ship');
    expect(queries).toEqual(['?search=ship&status=done&priority=high&overdue=true&ordering=title&page_size=10']);
  });

  it('write each change to the URL and go back to page 1', async () => {
    const queries = serveTasks([makeTask({ title: 'Only one' })]);
    const app = renderApp('/tasks?page=3&status=todo');
    const user = userEvent.setup();
    await screen.findByText('Only one');

    await user.selectOptions(screen.getByLabelText('Priority'), 'high');
    await waitFor(() => expect(app.location()).toBe('/tasks?status=todo&priority=high'));
    await user.selectOptions(screen.getByLabelText('Sort by'), '-priority');
    await user.click(screen.getByLabelText('Overdue only'));

    await waitFor(() => expect(app.location()).toBe('/tasks?status=todo&priority=high&overdue=true&ordering=-priority'));
    await waitFor(() => expect(queries.at(-1)).toBe('?status=todo&priority=high&overdue=true&ordering=-priority&page_size=10'));
  });

  it('debounce the search by 300 ms: one URL change and one request for a burst of typing', async () => {
    const queries = serveTasks([makeTask()]);
    const app = renderApp('/tasks');
    const user = userEvent.setup();
    await screen.findByText('Showing 1–1 of 1');

    await user.type(screen.getByLabelText('Search'), 'report');
    expect(app.location()).toBe('/tasks'); // not yet: the user is still typing

    await waitFor(() => expect(app.location()).toBe('/tasks?search=report'));
    await waitFor(() => expect(queries.at(-1)).toBe('?search=report&ordering=-created_at&page_size=10'));
    expect(queries).toEqual(['?ordering=-created_at&page_size=10', '?search=report&ordering=-created_at&page_size=10']);
  });
});

describe('bad filter values', () => {
  it.each([
    ['ordering=toString&page=2.5', '?ordering=-created_at&page_size=10'],
    ['ordering=__proto__&page=-4', '?ordering=-created_at&page_size=10'],
    ['page=99999999999999999999', '?ordering=-created_at&page_size=10'],
    ['page=3abc', '?ordering=-created_at&page_size=10'],
    ['page=123456789', '?ordering=-created_at&page=10000&page_size=10'],
  ])('fall back to safe defaults: %s', async (search, expected) => {
    const queries = serveTasks([makeTask({ title: 'Safe' })]);
    renderApp(`/tasks?${search}`);
    await waitFor(() => expect(queries[0]).toBe(expected));
  });

  it('a 400 from the list offers to reset the filters', async () => {
    const queries: string[] = [];
    server.use(
      http.get(`${API}/tasks/`, ({ request }) => {
        const search = new URL(request.url).search;
        queries.push(search);
        return search.includes('search=')
          ? HttpResponse.json({ search: ['Too long.'] }, { status: 400 })
          : HttpResponse.json(page([makeTask({ title: 'Back again' })]));
      }),
    );
    const app = renderApp('/tasks?search=x&status=done');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Reset filters' }));

    expect(await screen.findByText('Back again')).toBeInTheDocument();
    expect(app.location()).toBe('/tasks');
  });
});

describe('tasks filters and history', () => {
  it('follow the back button, search box included', async () => {
    serveTasks([makeTask()]);
    const app = renderApp('/tasks');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Search'), 'report');
    await waitFor(() => expect(app.location()).toBe('/tasks?search=report'));
    await user.selectOptions(screen.getByLabelText('Status'), 'done');
    await waitFor(() => expect(app.location()).toBe('/tasks?search=report&status=done'));

    await act(() => app.router.navigate(-1));
    expect(app.location()).toBe('/tasks?search=report');
    expect(screen.getByLabelText('Status')).toHaveValue('');

    await act(() => app.router.navigate('/tasks?search=invoice'));
    expect(screen.getByLabelText('Search')).toHaveValue('invoice');
  });
});

/** Every URL the router shows from now on, in order (replacements included). */
function recordLocations(router: ReturnType<typeof renderApp>['router']) {
  const seen: string[] = [];
  router.subscribe((state) => {
    const url = `${state.location.pathname}${state.location.search}`;
    if (seen.at(-1) !== url) seen.push(url);
  });
  return seen;
}

/** Lets the search debounce run out (fake timers): a stale write would happen by now. */
async function pastTheDebounce() {
  await act(() => vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS * 2));
}

describe('tasks filters build on the newest URL', () => {
  it('two changes made before the page shows the first one keep both', async () => {
    const queries = serveTasks([makeTask({ title: 'Found' })]);
    const app = renderApp('/tasks?search=abc');
    await screen.findByText('Found');
    const status = screen.getByLabelText<HTMLSelectElement>('Status');
    const priority = screen.getByLabelText<HTMLSelectElement>('Priority');

    // Both changes land before React renders again (the router updates in a transition).
    act(() => {
      status.value = 'done';
      status.dispatchEvent(new Event('change', { bubbles: true }));
      priority.value = 'high';
      priority.dispatchEvent(new Event('change', { bubbles: true }));
    });

    await waitFor(() => expect(app.location()).toBe('/tasks?search=abc&status=done&priority=high'));
    await waitFor(() => expect(queries.at(-1)).toBe('?search=abc&status=done&priority=high&ordering=-created_at&page_size=10'));
  });
});

describe('tasks filters never write a stale search back', () => {
  beforeEach(() => vi.useFakeTimers({ shouldAdvanceTime: true }));
  afterEach(() => vi.useRealTimers());

  it('Back to a searched page keeps its page, and asks for nothing else', async () => {
    const queries = serveTasks([makeTask({ title: 'Found' })]);
    const app = renderApp('/tasks?search=abc&page=3');
    await screen.findByText('Found');
    const urls = recordLocations(app.router);

    // A link that changes the search (not typing): the box follows the URL.
    await act(() => app.router.navigate('/tasks?search=xyz'));
    await pastTheDebounce();
    expect(screen.getByLabelText('Search')).toHaveValue('xyz');
    await act(() => app.router.navigate(-1));
    await pastTheDebounce();

    expect(app.location()).toBe('/tasks?search=abc&page=3');
    expect(urls).toEqual(['/tasks?search=xyz', '/tasks?search=abc&page=3']);
    expect(screen.getByLabelText('Search')).toHaveValue('abc');
    // The first page was fetched on load; Back shows it from the cache.
    expect(queries).toEqual([
      '?search=abc&ordering=-created_at&page=3&page_size=10',
      '?search=xyz&ordering=-created_at&page_size=10',
    ]);
  });

  it('Clear filters goes straight to the unfiltered list: no old search in between', async () => {
    const queries = serveTasks([makeTask({ title: 'Found' })]);
    const app = renderApp('/tasks?search=abc&status=done');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await screen.findByText('Found');
    const urls = recordLocations(app.router);

    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    await pastTheDebounce();

    expect(app.location()).toBe('/tasks');
    expect(urls).toEqual(['/tasks']);
    expect(screen.getByLabelText('Search')).toHaveValue('');
    expect(queries).toEqual(['?search=abc&status=done&ordering=-created_at&page_size=10', '?ordering=-created_at&page_size=10']);
  });

  it('typing, then Back before the debounce ends: the typed text is dropped, not written over that page', async () => {
    const queries = serveTasks([makeTask({ title: 'Found' })]);
    const app = renderApp('/tasks?search=abc&page=3');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await screen.findByText('Found');
    await user.selectOptions(screen.getByLabelText('Status'), 'done');
    await waitFor(() => expect(app.location()).toBe('/tasks?search=abc&status=done'));
    const urls = recordLocations(app.router);

    await user.type(screen.getByLabelText('Search'), 'd');
    await act(() => app.router.navigate(-1));
    await pastTheDebounce();

    expect(app.location()).toBe('/tasks?search=abc&page=3');
    expect(urls).toEqual(['/tasks?search=abc&page=3']);
    expect(screen.getByLabelText('Search')).toHaveValue('abc');
    expect(queries).toEqual([
      '?search=abc&ordering=-created_at&page=3&page_size=10',
      '?search=abc&status=done&ordering=-created_at&page_size=10',
    ]);
  });

  it('a filter chosen while a search is still being typed takes the typed search along, in one URL change', async () => {
    const queries = serveTasks([makeTask({ title: 'Found' })]);
    const app = renderApp('/tasks');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    await screen.findByText('Found');
    const urls = recordLocations(app.router);

    await user.type(screen.getByLabelText('Search'), 'rep');
    await user.selectOptions(screen.getByLabelText('Status'), 'done');
    await pastTheDebounce();

    expect(urls).toEqual(['/tasks?search=rep&status=done']);
    expect(screen.getByLabelText('Search')).toHaveValue('rep');
    expect(queries).toEqual(['?ordering=-created_at&page_size=10', '?search=rep&status=done&ordering=-created_at&page_size=10']);
  });
});

describe('while the list of new filters is on its way', () => {
  afterEach(() => {
    vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(true);
    act(() => void window.dispatchEvent(new Event('online')));
  });

  /** The list: answered for no filter, held for any other until `release`. */
  function serveHeldFilters() {
    const held: (() => void)[] = [];
    server.use(
      http.get(`${API}/tasks/`, ({ request }) => {
        const tasks = [makeTask({ title: 'Old one' }), makeTask({ title: 'Old two' })];
        if (!new URL(request.url).searchParams.has('status')) return HttpResponse.json(page(tasks));
        return new Promise<Response>((resolve) => held.push(() => resolve(HttpResponse.json(page([makeTask({ title: 'Done one', status: 'done' })])))));
      }),
    );
    return held;
  }

  it('shows the old rows as old: busy, dimmed, the bulk bar and the row shortcuts unavailable', async () => {
    const held = serveHeldFilters();
    renderApp('/tasks');
    const user = userEvent.setup();
    await screen.findByText('Old one');
    await user.click(screen.getByRole('checkbox', { name: 'Select “Old one”' }));
    const list = screen.getByRole('region', { name: 'Task list' });
    expect(list).toHaveAttribute('aria-busy', 'false');

    await user.selectOptions(screen.getByLabelText('Status'), 'done');
    await waitFor(() => expect(held).toHaveLength(1));
    expect(list).toHaveAttribute('aria-busy', 'true');
    expect(list.querySelector('.task-list')).toHaveClass('task-list--stale');
    const bar = screen.getByRole('region', { name: 'Selected tasks' });
    expect(within(bar).getByRole('button', { name: 'Complete selected' })).toHaveAttribute('aria-disabled', 'true');
    expect(within(bar).getByRole('button', { name: 'Delete selected' })).toHaveAttribute('aria-disabled', 'true');
    await user.click(within(bar).getByRole('button', { name: 'Delete selected' }));
    // `d` on a row of the old list deletes nothing either.
    screen.getAllByTestId('task-row')[1]!.focus();
    await user.keyboard('d');
    expect(screen.getByText('Old one')).toBeInTheDocument();
    expect(screen.getByText('Old two')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Undo' })).not.toBeInTheDocument();

    act(() => held[0]!());
    expect(await screen.findByText('Done one')).toBeInTheDocument();
    expect(list).toHaveAttribute('aria-busy', 'false');
    expect(list.querySelector('.task-list')).not.toHaveClass('task-list--stale');
  });

  it('says, offline, that the list is still the previous one and the new filters wait for the connection', async () => {
    serveHeldFilters();
    renderApp('/tasks');
    const user = userEvent.setup();
    await screen.findByText('Old one');
    const result = screen.getByTestId('tasks-result');

    vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    act(() => void window.dispatchEvent(new Event('offline')));
    await user.selectOptions(screen.getByLabelText('Status'), 'done');

    const offline = 'You are offline: the list still shows your previous results; the new filters apply when the connection is back.';
    await waitFor(() => expect(result).toHaveTextContent(offline));
    expect(screen.getAllByText(offline).some((element) => !element.closest('.visually-hidden'))).toBe(true);
    expect(screen.getByText('Old one')).toBeInTheDocument();
  });
});
