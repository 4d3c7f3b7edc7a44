import { render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTask } from '@/testing/fixtures';
import { inTimeZone } from '@/testing/time-zone';
import { TaskList } from '@/features/tasks/components/task-list';
import type { Task } from '@/features/tasks/types';

// A browser west of UTC: its date is a day behind the server's (UTC) for the evening's last hours.
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
  it('goes by the server’s date (UTC), as the "Overdue only" filter and the dashboard do, not the browser’s', () => {
    // 20:00 on Nov 5 in New York is 01:00 on Nov 6 in UTC: the server's today is 2026-11-06.
    vi.useFakeTimers({ now: new Date('2026-11-06T01:00:00Z') });
    expect(new Date().getDate()).toBe(5); // the browser's date, in its zone

    const row = renderList([
      makeTask({ title: 'Due on the 5th', due_date: '2026-11-05' }),
      makeTask({ title: 'Due on the 6th', due_date: '2026-11-06' }),
      makeTask({ title: 'Done on the 4th', due_date: '2026-11-04', status: 'done' }),
    ]);

    expect(row('Due on the 5th').getByText('Overdue')).toBeInTheDocument();
    expect(row('Due on the 6th').queryByText('Overdue')).not.toBeInTheDocument();
    expect(row('Done on the 4th').queryByText('Overdue')).not.toBeInTheDocument();
  });
});
