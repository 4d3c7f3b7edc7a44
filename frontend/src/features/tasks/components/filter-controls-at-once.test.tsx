import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { makeTask } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { serveTasks } from '@/testing/tasks-page-api';

describe('the filter controls', () => {
  it('show the value just chosen at once, never the old one while the URL catches up', async () => {
    serveTasks([makeTask({ title: 'Listed' })]);
    const app = renderApp('/tasks');
    await screen.findByText('Listed');

    // What each control shows once its change event is handled, before React goes on to the router's transition
    // (act runs that too before it returns): the old value there is the flicker the user sees.
    const shown: unknown[] = [];
    act(() => {
      fireEvent.click(screen.getByLabelText('Overdue only'));
      shown.push((screen.getByLabelText('Overdue only') as HTMLInputElement).checked);
    });
    for (const [label, value] of [['Status', 'done'], ['Priority', 'high'], ['Sort by', 'title']] as const) {
      act(() => {
        fireEvent.change(screen.getByLabelText(label), { target: { value } });
        shown.push((screen.getByLabelText(label) as HTMLSelectElement).value);
      });
    }
    expect(shown).toEqual([true, 'done', 'high', 'title']);

    await waitFor(() => expect(app.location()).toBe('/tasks?status=done&priority=high&overdue=true&ordering=title'));
    expect(screen.getByLabelText('Overdue only')).toBeChecked();
    expect(screen.getByLabelText('Status')).toHaveValue('done');
  });

  it('follow the URL when it changes by itself (Back)', async () => {
    serveTasks([makeTask({ title: 'Listed' })]);
    const app = renderApp('/tasks');
    await screen.findByText('Listed');

    fireEvent.click(screen.getByLabelText('Overdue only'));
    await waitFor(() => expect(app.location()).toBe('/tasks?overdue=true'));
    await act(() => app.router.navigate(-1));
    await waitFor(() => expect(app.location()).toBe('/tasks'));
    expect(screen.getByLabelText('Overdue only')).not.toBeChecked();
  });
});
