import { render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { makeTask } from '@/testing/fixtures';
import { inTimeZone } from '@/testing/time-zone';
import { TaskList } from '@/features/tasks/components/task-list';
import type { Task } from '@/features/tasks/types';

// A browser west of UTC: its date is a day behind UTC's for the evening's last hours.
inTimeZone('America/New_York');
afterEach(() => vi.useRealTimers());

function renderList(tasks: Task[]) {
  const ignore = () => undefined;
  render(
    <TaskList
      tasks={tasks}
      selected={new Set()}
      pendingStatus={new Set()}
      onSelect={ignore}
      onSelectAll={ignore}
      onToggleDone={ignore}
      onEdit={ignore}
      onDelete={ignore}
    />,
  );
  return (title: string) => within(screen.getByText(title).closest('li')!);
}

describe('the Overdue badge', () => {
  it.each([
    ['2026-11-06T01:00:00Z', 5], // Nov 5, 20:00 in New York; already Nov 6 in UTC
    ['2026-11-05T05:00:00Z', 5], // Nov 5, 00:00 in New York
    ['2026-11-06T04:59:59Z', 5], // Nov 5, 23:59:59 in New York
  ])('goes by the browser’s date, as the server does once told the browser’s zone: at %s it is the %ith', (now, date) => {
    vi.useFakeTimers({ now: new Date(now) });
    expect(new Date().getDate()).toBe(date); // the browser's date, in its zone

    const row = renderList([
      makeTask({ title: 'Due on the 4th', due_date: '2026-11-04' }),
      makeTask({ title: 'Due on the 5th', due_date: '2026-11-05' }),
      makeTask({ title: 'Due on the 6th', due_date: '2026-11-06' }),
      makeTask({ title: 'Done on the 4th', due_date: '2026-11-04', status: 'done' }),
    ]);

    expect(row('Due on the 4th').getByText('Overdue')).toBeInTheDocument();
    expect(row('Due on the 5th').queryByText('Overdue')).not.toBeInTheDocument(); // due today: not overdue yet
    expect(row('Due on the 6th').queryByText('Overdue')).not.toBeInTheDocument();
    expect(row('Done on the 4th').queryByText('Overdue')).not.toBeInTheDocument();
  });

  it('from the browser’s midnight on, a task due the day before is overdue (still the day before in UTC)', () => {
    // Nov 6, 00:30 in Auckland (summer time, UTC+13) is Nov 5, 11:30 in UTC.
    process.env.TZ = 'Pacific/Auckland';
    onTestFinished(() => {
      process.env.TZ = 'America/New_York';
    });
    vi.useFakeTimers({ now: new Date('2026-11-05T11:30:00Z') });
    expect(new Date().getDate()).toBe(6);

    const row = renderList([makeTask({ title: 'Due on the 5th', due_date: '2026-11-05' }), makeTask({ title: 'Due on the 6th', due_date: '2026-11-06' })]);

    expect(row('Due on the 5th').getByText('Overdue')).toBeInTheDocument();
    expect(row('Due on the 6th').queryByText('Overdue')).not.toBeInTheDocument();
  });
});

describe('a row with the focus (j/k)', () => {
  it('is named by its title and described by its status, priority and due date, each said once: not by the whole row', () => {
    renderList([makeTask({ title: 'Write report', description: 'For the board.', status: 'in_progress', priority: 'high', due_date: null })]);
    const row = screen.getByTestId('task-row');
    expect(row).toHaveAccessibleName('Write report');
    expect(row).toHaveAccessibleDescription('In progress High priority');
    expect(screen.getByRole('listitem', { name: 'Write report' })).toBe(row);
  });
});
