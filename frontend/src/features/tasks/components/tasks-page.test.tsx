import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SEARCH_DEBOUNCE_MS } from '@/config/env';
import { queryClient } from '@/lib/query-client';
import { makeTask, page } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import type { Task } from '@/features/tasks/types';

/** A list endpoint that records each query string it is asked for, and each task's own GET (ETag "v1"). */
function serveTasks(tasks: Task[]) {
  const queries: string[] = [];
  server.use(
    http.get(`${API}/tasks/`, ({ request }) => {
      queries.push(new URL(request.url).search);
      return HttpResponse.json(page(tasks));
    }),
    http.get(`${API}/tasks/:id/`, ({ params }) => {
      const task = tasks.find((candidate) => candidate.id === params.id);
      return task ? HttpResponse.json(task, { headers: { ETag: '"v1"' } }) : HttpResponse.json({ detail: 'Not found.' }, { status: 404 });
    }),
  );
  return queries;
}

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

    expect(await screen.findByText('Could not update “Write report”: The server had a problem.')).toBeInTheDocument();
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
    expect(screen.getByRole('dialog', { name: 'Edit task' })).toBeInTheDocument();
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
    const dialog = screen.getByRole('dialog', { name: 'Edit task' });
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
    const dialog = screen.getByRole('dialog', { name: 'Edit task' });
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
    const dialog = screen.getByRole('dialog', { name: 'Edit task' });
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

    expect(screen.queryByRole('dialog')).not.toBeInTheDocument(); // an unhandled PATCH would fail the test
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
