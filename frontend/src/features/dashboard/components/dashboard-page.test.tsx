import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { formatDate } from '@/lib/format';
import { queryClient } from '@/lib/query-client';
import { queryKeys } from '@/lib/query-keys';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import { browserReportsZone, inTimeZone } from '@/testing/time-zone';

const days = Array.from({ length: 14 }, (_, index) => ({ date: `2026-11-${String(index + 1).padStart(2, '0')}`, count: index === 13 ? 3 : 0 }));
const stats = {
  total: 5,
  by_status: { todo: 1, in_progress: 1, done: 3 },
  by_priority: { low: 1, medium: 2, high: 2 },
  overdue: 1,
  completed_per_day: days,
};

afterEach(() => vi.restoreAllMocks());

describe('dashboard charts', () => {
  it('each have a table a screen reader can go through row by row; the pictures are hidden from it', async () => {
    server.use(http.get(`${API}/tasks/stats/`, () => HttpResponse.json(stats)));
    renderApp('/');

    const byStatus = await screen.findByRole('table', { name: 'Tasks by status' });
    expect(within(byStatus).getByRole('rowheader', { name: 'Done' })).toBeInTheDocument();
    expect(within(byStatus).getAllByRole('row').map((row) => row.textContent)).toEqual(['CategoryTasks', 'To do1', 'In progress1', 'Done3']);
    const byPriority = screen.getByRole('table', { name: 'Tasks by priority' });
    expect(within(byPriority).getAllByRole('row').slice(1).map((row) => row.textContent)).toEqual(['High2', 'Medium2', 'Low1']);

    const perDay = screen.getByRole('table', { name: 'Tasks completed per day: 3 in 14 days' });
    const rows = within(perDay).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(14);
    // Dates as people read them, not ISO strings.
    expect(rows.at(-1)).toHaveTextContent(`${formatDate('2026-11-14')}3`);
    expect(screen.queryByRole('img')).not.toBeInTheDocument();
    expect(screen.getByTestId('bar-done').closest('svg')).toHaveAttribute('aria-hidden', 'true');
  });

  it('says so in words when no task was completed in the 14 days (not an empty box)', async () => {
    const none = days.map((day) => ({ ...day, count: 0 }));
    server.use(http.get(`${API}/tasks/stats/`, () => HttpResponse.json({ ...stats, completed_per_day: none })));
    renderApp('/');

    const card = await screen.findByRole('region', { name: 'Completed per day, last 14 days' });
    expect(within(card).getByText('No tasks completed in the last 14 days.')).toBeVisible();
    expect(within(card).getByRole('table', { name: 'Tasks completed per day: 0 in 14 days' })).toBeInTheDocument();
  });

  it('draws the days at the width it has, one unit a pixel: on a phone, fewer day labels, none shrunk', async () => {
    // jsdom lays nothing out: the chart's box is as wide as on a 375 px phone.
    vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockReturnValue(new DOMRect(0, 0, 300, 240));
    server.use(http.get(`${API}/tasks/stats/`, () => HttpResponse.json(stats)));
    renderApp('/');

    const today = await screen.findByTestId('day-2026-11-14');
    const svg = today.closest('svg')!;
    expect(svg).toHaveAttribute('viewBox', '0 0 300 220');
    // 14 days in 300 px: every third one labelled, the latest first (the label's own class: 13 px, drawn at 13 px).
    const labelled = [...svg.querySelectorAll('g')].filter((day) => day.querySelector('.chart__label')).map((day) => day.dataset.testid);
    expect(labelled).toEqual(['day-2026-11-02', 'day-2026-11-05', 'day-2026-11-08', 'day-2026-11-11', 'day-2026-11-14']);
  });

  it('draws the category bars at the width they have too: on a phone their labels are not scaled down', async () => {
    // As wide as a card on a 375 px phone; their text is body size (1rem, styles.css), one unit a CSS pixel.
    vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockReturnValue(new DOMRect(0, 0, 300, 240));
    server.use(http.get(`${API}/tasks/stats/`, () => HttpResponse.json(stats)));
    renderApp('/');

    const done = await screen.findByTestId('bar-done');
    const svg = done.closest('svg')!;
    expect(svg).toHaveAttribute('viewBox', '0 0 300 108');
    expect(svg).toHaveClass('chart--bars');
    // The label column is 8.5 ems of the root font size (16 px here): "In progress" fits beside the bars at any width,
    // with WCAG text spacing too (tests/e2e/test_browser_small_screens.py measures it).
    const track = done.querySelector('.chart__track')!;
    const bar = done.querySelector('.chart__bar')!;
    expect(track).toHaveAttribute('x', '136');
    expect(Number(track.getAttribute('x')) + Number(track.getAttribute('width'))).toBeLessThanOrEqual(300 - 3 * 16);
    // Done is the most: its bar takes the whole track.
    expect(bar).toHaveAttribute('width', track.getAttribute('width'));
  });
});

describe('a refresh of the stats that fails', () => {
  it('keeps the dashboard on screen, says so politely (not an alert), and Retry shows the new stats, focus on the heading', async () => {
    let answer: 'stats' | 'unavailable' | 'newer' = 'stats';
    server.use(
      http.get(`${API}/tasks/stats/`, () => {
        if (answer === 'newer') return HttpResponse.json({ ...stats, total: 6 });
        // A long Retry-After: not retried on its own (lib/retry-policy.ts), so the refresh fails at once.
        if (answer === 'unavailable') return HttpResponse.json({ detail: 'Restarting.', code: 'service_unavailable' }, { status: 503, headers: { 'Retry-After': '120' } });
        return HttpResponse.json(stats);
      }),
    );
    renderApp('/');
    expect(await screen.findByTestId('stat-total-tasks')).toHaveTextContent('5');

    // Given the stats on screen, when they are read again (as after a task changed) and the server fails:
    answer = 'unavailable';
    await act(() => queryClient.invalidateQueries({ queryKey: queryKeys.taskStats }));

    // Then what was loaded stays, with a notice in a polite live region, and nothing takes the focus.
    const notice = await screen.findByText("Couldn't refresh — showing what was loaded.");
    expect(notice.closest('[role="status"]')).not.toBeNull();
    expect(notice.closest('[role="alert"]')).toBeNull();
    expect(screen.queryByText(/Could not load your statistics/)).not.toBeInTheDocument();
    expect(screen.getByTestId('stat-total-tasks')).toHaveTextContent('5');
    expect(screen.getByRole('table', { name: 'Tasks by status' })).toBeInTheDocument();

    answer = 'newer';
    await userEvent.setup().click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(screen.getByTestId('stat-total-tasks')).toHaveTextContent('6'));
    expect(screen.queryByText("Couldn't refresh — showing what was loaded.")).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Retry' })).not.toBeInTheDocument();
    // Its button went with the notice: the focus is on the page's heading, not dropped to <body>.
    expect(screen.getByRole('heading', { level: 1 })).toHaveFocus();
  });

  it('with nothing loaded yet, still shows the error in full, with its reason and Try again', async () => {
    server.use(
      http.get(`${API}/tasks/stats/`, () =>
        HttpResponse.json({ detail: 'Restarting.', code: 'service_unavailable' }, { status: 503, headers: { 'Retry-After': '120' } }),
      ),
    );
    renderApp('/');

    const error = await screen.findByText('Could not load your statistics. Restarting.');
    expect(error.closest('[role="alert"]')).not.toBeNull();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
    expect(screen.queryByTestId('stat-total-tasks')).not.toBeInTheDocument();
  });
});

describe('the stats are asked for in the browser’s time zone', () => {
  // A browser in Tokyo: the server counts overdue tasks and the completions of each day in Tokyo's calendar.
  inTimeZone('Asia/Tokyo');

  /** The stats endpoint; records each request's `tz` (null: none sent). */
  function serveStats() {
    const zones: (string | null)[] = [];
    server.use(
      http.get(`${API}/tasks/stats/`, ({ request }) => {
        zones.push(new URL(request.url).searchParams.get('tz'));
        return HttpResponse.json(stats);
      }),
    );
    return zones;
  }

  it('sends the browser’s zone as tz', async () => {
    const zones = serveStats();
    renderApp('/');

    expect(await screen.findByRole('table', { name: 'Tasks by status' })).toBeInTheDocument();
    expect(zones).toEqual(['Asia/Tokyo']);
  });

  it.each([
    ['empty', ''],
    ['missing', undefined],
  ])('sends none when the browser’s is %s (the server then counts in UTC)', async (_, zone) => {
    browserReportsZone(zone);
    const zones = serveStats();
    renderApp('/');

    expect(await screen.findByRole('table', { name: 'Tasks by status' })).toBeInTheDocument();
    expect(zones).toEqual([null]);
  });

  it('asks again in the new zone when the browser’s changes, rather than showing the stats of the old one', async () => {
    const zones = serveStats();
    const app = renderApp('/');
    expect(await screen.findByRole('table', { name: 'Tasks by status' })).toBeInTheDocument();
    app.unmount();

    // Within the stats' staleTime: the same key would show the cached stats (Tokyo's days) with no request.
    process.env.TZ = 'America/Los_Angeles';
    onTestFinished(() => {
      process.env.TZ = 'Asia/Tokyo';
    });
    renderApp('/');
    await waitFor(() => expect(zones).toEqual(['Asia/Tokyo', 'America/Los_Angeles']));
  });
});
