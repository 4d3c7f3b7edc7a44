import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSession } from '@/lib/session';
import { makeTask, page } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

describe('a delete waiting out its undo window when the user signs out in another tab', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => cleanup.splice(0).forEach((undo) => undo()));

  it('is sent as soon as that tab says a sign-out is coming, which hears when it is done; the sign-out then loses nothing', async () => {
    cleanup.push(connectSession());
    const task = makeTask({ title: 'Old junk' });
    let stored = [task];
    const events: string[] = [];
    server.use(
      http.get(`${API}/tasks/`, () => HttpResponse.json(page(stored))),
      http.delete(`${API}/tasks/:id/`, ({ params }) => {
        stored = stored.filter((each) => each.id !== params.id);
        events.push(`DELETE ${String(params.id)} made`);
        return new HttpResponse(null, { status: 204 });
      }),
    );
    renderApp('/tasks');
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Delete “Old junk”' }));
    expect(screen.getByRole('button', { name: 'Undo' })).toBeInTheDocument();

    // The other tab, where the user pressed "Sign out": it says a sign-out is coming (lib/sign-out.ts), and, once
    // it has been made, that the user signed out (lib/auth-channel.ts).
    const [signOutTalk, authTalk] = [new BroadcastChannel('sad-sign-out'), new BroadcastChannel('sad-auth')];
    cleanup.push(() => signOutTalk.close(), () => authTalk.close());
    signOutTalk.onmessage = (event: MessageEvent<{ type: string }>) => events.push(`heard ${event.data.type}`);
    signOutTalk.postMessage({ type: 'signing-out' });

    await waitFor(() => expect(events).toContain('heard flushed'));
    // "Sending" is said at once (it may reach the other tab before or after the DELETE reaches the server); "done"
    // once the DELETE was answered.
    expect([...events].sort()).toEqual([`DELETE ${task.id} made`, 'heard flushed', 'heard flushing']);
    expect(events.at(-1)).toBe('heard flushed');

    authTalk.postMessage({ type: 'signed-out' });

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(stored).toEqual([]);
    expect(events.filter((event) => event.startsWith('DELETE'))).toHaveLength(1);
  });
});
