import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

/**
 * Another tab of this origin that has work needing the session (a delete waiting out its undo window): told a
 * sign-out is coming, it says it is sending, and, `workMs` later (never when null), that it is done.
 */
function anotherTabWithWork(events: string[], workMs: number | null) {
  // The tabs' channel for a sign-out to come (lib/sign-out.ts).
  const channel = new BroadcastChannel('sad-sign-out');
  channel.onmessage = (event: MessageEvent<{ type?: string }>) => {
    if (event.data.type !== 'signing-out') return;
    events.push('the other tab heard a sign-out is coming');
    channel.postMessage({ type: 'flushing' });
    if (workMs === null) return;
    setTimeout(() => {
      events.push('the other tab’s work done');
      channel.postMessage({ type: 'flushed' });
    }, workMs);
  };
  return () => channel.close();
}

function serveSignOut(events: string[]) {
  const started = Date.now();
  let loggedOutAfter = 0;
  server.use(
    http.post(`${API}/auth/logout/`, () => {
      events.push('logout');
      loggedOutAfter = Date.now() - started;
      return new HttpResponse(null, { status: 204 });
    }),
    http.get(`${API}/tasks/stats/`, () => new Promise(() => undefined)),
  );
  return { loggedOutAfter: () => loggedOutAfter };
}

describe('signing out, with other tabs open', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => cleanup.splice(0).forEach((close) => close()));
  // Fake timers, moved on 20 ms at a time as real time passes: the sign-out's wait for the tabs to answer
  // (OTHER_TABS_ANSWER_MS, 250 ms) and their work's time cannot run out while a busy machine stalls before their
  // messages (BroadcastChannel, not a timer) are delivered. On real timers, a 250 ms stall after the click had the
  // sign-out go on without waiting, and both tests fail.
  beforeEach(() => vi.useFakeTimers({ shouldAdvanceTime: true }));
  afterEach(() => vi.useRealTimers());

  it('waits for the other tabs’ work that needs the session before revoking it', async () => {
    const events: string[] = [];
    serveSignOut(events);
    cleanup.push(anotherTabWithWork(events, 400));
    renderApp('/');

    await userEvent.setup({ advanceTimers: vi.advanceTimersByTime }).click(await screen.findByRole('button', { name: 'Sign out' }));

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(events).toEqual(['the other tab heard a sign-out is coming', 'the other tab’s work done', 'logout']);
  });

  it('waits a bounded time: a tab that never says it is done does not keep the user from signing out', async () => {
    const events: string[] = [];
    const { loggedOutAfter } = serveSignOut(events);
    cleanup.push(anotherTabWithWork(events, null));
    renderApp('/');

    await userEvent.setup({ advanceTimers: vi.advanceTimersByTime }).click(await screen.findByRole('button', { name: 'Sign out' }));

    expect(await screen.findByRole('heading', { name: 'Sign in' }, { timeout: 5000 })).toBeInTheDocument();
    expect(events).toEqual(['the other tab heard a sign-out is coming', 'logout']);
    // Not before its time for the other tabs (lib/sign-out.ts, OTHER_TABS_WORK_MS: 1.5 s), which it did not exceed.
    expect(loggedOutAfter()).toBeGreaterThanOrEqual(1_450);
  });
});
