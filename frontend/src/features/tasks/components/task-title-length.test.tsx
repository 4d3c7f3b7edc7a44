import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { makeTask } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import { serveTasks } from '@/testing/tasks-page-api';

// The API counts a title's 200 characters in code points; an input's maxLength counts UTF-16 units, two for an
// emoji or a CJK ideograph beyond U+FFFF, so it cut such a title off at half the length the API takes.
const EMOJI_TITLE = '🍎'.repeat(150);

describe('a title of characters beyond U+FFFF', () => {
  it('is taken whole up to the API’s 200 characters, not cut off at 100', async () => {
    serveTasks([]);
    const bodies: unknown[] = [];
    server.use(
      http.post(`${API}/tasks/`, async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        bodies.push(body);
        return HttpResponse.json(makeTask({ title: String(body.title) }), { status: 201 });
      }),
    );
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click((await screen.findAllByRole('button', { name: 'New task' }))[0]!);
    const dialog = screen.getByRole('dialog', { name: 'New task' });
    await user.paste(EMOJI_TITLE);
    expect(within(dialog).getByLabelText('Title')).toHaveValue(EMOJI_TITLE);
    await user.click(within(dialog).getByRole('button', { name: 'Create task' }));

    await waitFor(() => expect(bodies).toHaveLength(1));
    expect(bodies[0]).toMatchObject({ title: EMOJI_TITLE });
  });

  it('refuses 201 of them in the form, as the API would', async () => {
    serveTasks([]);
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click((await screen.findAllByRole('button', { name: 'New task' }))[0]!);
    const dialog = screen.getByRole('dialog', { name: 'New task' });
    await user.paste('🍎'.repeat(201));
    await user.click(within(dialog).getByRole('button', { name: 'Create task' }));

    expect(await within(dialog).findByText('At most 200 characters.')).toBeInTheDocument();
  });
});
