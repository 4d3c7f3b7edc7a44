import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { makeTask } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { serveTasks } from '@/testing/tasks-page-api';
import { TaskList } from '@/features/tasks/components/task-list';

// In a left-to-right page, a right-to-left title laid out as left-to-right puts its punctuation on the wrong side
// ("!שלום" for "שלום!"): each title and description takes its direction from its own first strong letter.
describe('task text direction', () => {
  it('lays out each title and description in the direction of its own script', () => {
    const ignore = () => undefined;
    render(
      <TaskList
        tasks={[makeTask({ title: 'לקנות תפוחים!', description: 'اشترِ التفاح.' }), makeTask({ title: 'Buy apples!', description: '' })]}
        selected={new Set()}
        pendingStatus={new Set()}
        onSelect={ignore}
        onSelectAll={ignore}
        onToggleDone={ignore}
        onEdit={ignore}
        onDelete={ignore}
      />,
    );

    expect(screen.getByText('לקנות תפוחים!')).toHaveAttribute('dir', 'auto');
    expect(screen.getByText('اشترِ التفاح.')).toHaveAttribute('dir', 'auto');
    expect(screen.getByText('Buy apples!')).toHaveAttribute('dir', 'auto');
  });

  it('lets the title and description be typed in the direction of their script', async () => {
    serveTasks([]);
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click((await screen.findAllByRole('button', { name: 'New task' }))[0]!);
    const dialog = screen.getByRole('dialog', { name: 'New task' });

    expect(within(dialog).getByLabelText('Title')).toHaveAttribute('dir', 'auto');
    expect(within(dialog).getByLabelText('Description')).toHaveAttribute('dir', 'auto');
  });
});
