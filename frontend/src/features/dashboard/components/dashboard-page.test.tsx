import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { formatDate } from '@/lib/format';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

const days = Array.from({ length: 14 }, (_, index) => ({ date: `2026-11-${String(index + 1).padStart(2, '0')}`, count: index === 13 ? 3 : 0 }));
const stats = {
  total: 5,
  by_status: { todo: 1, in_progress: 1, done: 3 },
  by_priority: { low: 1, medium: 2, high: 2 },
  overdue: 1,
  completed_per_day: days,
};

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
});
