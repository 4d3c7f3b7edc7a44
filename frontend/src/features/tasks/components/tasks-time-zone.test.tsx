import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, onTestFinished } from 'vitest';
import { makeTask } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import { browserReportsZone, inTimeZone } from '@/testing/time-zone';

// A browser in Paris: the server is told so, and counts "today" (what is overdue) in Paris.
inTimeZone('Europe/Paris');

/**
 * `count` tasks, ten a page; records each request's `tz` (null: none sent) and page. `knownZones`: the zones the
 * server's database has; another one is a 400 `{"tz": [...]}`, as the API answers it.
 */
function serveTasks(count: number, knownZones: string[] = ['Europe/Paris', 'Asia/Tokyo']) {
  const tasks = Array.from({ length: count }, (_, i) => makeTask({ title: `T${i + 1}` }));
  const requests: { tz: string | null; page: string | null; overdue: string | null }[] = [];
  server.use(
    http.get(`${API}/tasks/`, ({ request }) => {
      const query = new URL(request.url).searchParams;
      const tz = query.get('tz');
      requests.push({ tz, page: query.get('page'), overdue: query.get('overdue') });
      if (tz !== null && !knownZones.includes(tz)) {
        return HttpResponse.json({ tz: [`Unknown time zone '${tz}': use an IANA name such as Europe/Paris.`] }, { status: 400 });
      }
      const number = Number(query.get('page') ?? '1');
      return HttpResponse.json({ count: tasks.length, next: null, previous: null, results: tasks.slice((number - 1) * 10, number * 10) });
    }),
  );
  return requests;
}

describe('the task list tells the server the browser’s time zone', () => {
  it('on every request: the first page, the next ones, and the "Overdue only" filter', async () => {
    const requests = serveTasks(25);
    const app = renderApp('/tasks');
    const user = userEvent.setup();
    expect(await screen.findByText('T1')).toBeInTheDocument();

    // The pages are built from the page number (?page=2), not from the answer's next/previous links.
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('T11')).toBeInTheDocument();
    expect(app.location()).toBe('/tasks?page=2');
    await user.click(screen.getByRole('button', { name: 'Previous' }));
    expect(await screen.findByText('T1')).toBeInTheDocument();
    await user.click(screen.getByRole('checkbox', { name: 'Overdue only' }));
    await waitFor(() => expect(requests.at(-1)?.overdue).toBe('true'));

    expect(requests.length).toBeGreaterThanOrEqual(3);
    expect(requests.map((request) => request.tz)).toEqual(requests.map(() => 'Europe/Paris'));
    expect(requests.map((request) => request.page)).toContain('2');
  });

  it.each([
    ['empty', ''],
    ['missing', undefined],
  ])('sends none when the browser’s is %s (the server then counts in UTC)', async (_, zone) => {
    browserReportsZone(zone);
    const requests = serveTasks(3);
    renderApp('/tasks');

    expect(await screen.findByText('T1')).toBeInTheDocument();
    expect(requests).toEqual([{ tz: null, page: null, overdue: null }]);
  });

  it('asks again in the new zone when the browser’s changes, rather than showing the list of the old one', async () => {
    const requests = serveTasks(3);
    const app = renderApp('/tasks');
    expect(await screen.findByText('T1')).toBeInTheDocument();
    app.unmount();

    // Within the list's staleTime: the same key would show the cached list (Paris's "today") with no request.
    process.env.TZ = 'Asia/Tokyo';
    onTestFinished(() => {
      process.env.TZ = 'Europe/Paris';
    });
    renderApp('/tasks');
    await waitFor(() => expect(requests.map((request) => request.tz)).toEqual(['Europe/Paris', 'Asia/Tokyo']));
  });

  it('a zone the server does not know: the list is asked for without it (UTC), and not sent again', async () => {
    const requests = serveTasks(25, ['Asia/Tokyo']);
    renderApp('/tasks');
    const user = userEvent.setup();

    expect(await screen.findByText('T1')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('T11')).toBeInTheDocument();

    expect(requests.map((request) => [request.tz, request.page])).toEqual([
      ['Europe/Paris', null],
      [null, null],
      [null, '2'],
    ]);
  });
});
