import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { makeTask } from '@/testing/fixtures';
import { isolating } from '@/testing/isolating';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import { serveTasks } from '@/testing/tasks-page-api';

// Arabic, ending in a right-to-left override: left out of an isolate, the title would carry the sentence's closing
// quote and full stop to its other side, and the override would run on over the rest of the line.
const TITLE = 'ملاحظات قديمة\u202e';

const notifications = () => within(screen.getByRole('region', { name: 'Notifications' }));

/** The toast saying `sentence`, as markup: the title in a <bdi> of its own, nothing of the sentence in it. */
async function toastMarkup(sentence: string) {
  return (await notifications().findByText(isolating(sentence, TITLE))).innerHTML;
}

describe('a task title written right to left, in the toasts', () => {
  it('is isolated in the toast saying the task was created: the sentence keeps its order around it', async () => {
    serveTasks([makeTask({ title: 'Existing' })]);
    server.use(http.post(`${API}/tasks/`, () => HttpResponse.json(makeTask({ title: TITLE }), { status: 201 })));
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click((await screen.findAllByRole('button', { name: 'New task' }))[0]!);
    const dialog = screen.getByRole('dialog', { name: 'New task' });
    await user.type(within(dialog).getByLabelText('Title'), 'Anything');
    await user.click(within(dialog).getByRole('button', { name: 'Create task' }));
    expect(await toastMarkup(`Created “${TITLE}”.`)).toBe(`Created “<bdi>${TITLE}</bdi>”.`);
  });

  it('is isolated in the Undo toast, in the one saying it is back, and in the one saying it could not be deleted', async () => {
    const task = makeTask({ title: TITLE });
    serveTasks([task]);
    server.use(http.delete(`${API}/tasks/:id/`, () => HttpResponse.json({ detail: 'The server had a problem.' }, { status: 500 })));
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: `Delete “${TITLE}”` }));
    expect(await toastMarkup(`Deleted “${TITLE}”.`)).toBe(`Deleted “<bdi>${TITLE}</bdi>”.`);
    await user.click(notifications().getByRole('button', { name: 'Undo' }));
    expect(await toastMarkup(`Restored “${TITLE}”.`)).toBe(`Restored “<bdi>${TITLE}</bdi>”.`);

    await user.click(await screen.findByRole('button', { name: `Delete “${TITLE}”` }));
    await user.click(notifications().getAllByRole('button', { name: 'Dismiss' }).at(-1)!);
    expect(await toastMarkup(`Could not delete “${TITLE}”: The server had a problem.`)).toBe(
      `Could not delete “<bdi>${TITLE}</bdi>”: The server had a problem.`,
    );
  });
});

describe('the edit dialog', () => {
  it('is titled by the task it edits, the title isolated', async () => {
    serveTasks([makeTask({ title: TITLE })]);
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: `Edit “${TITLE}”` }));
    const dialog = screen.getByRole('dialog', { name: `Edit “${TITLE}”` });
    expect(within(dialog).getByRole('heading', { level: 2 }).innerHTML).toBe(`Edit “<bdi>${TITLE}</bdi>”`);
  });
});
