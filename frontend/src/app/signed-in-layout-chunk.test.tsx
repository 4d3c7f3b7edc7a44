import { act, screen, waitFor } from '@testing-library/react';
import { http } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { startSession } from '@/lib/session';
import { user } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import type * as AppLayoutModule from '@/app/app-layout';
import type * as DashboardPageModule from '@/features/dashboard/components/dashboard-page';

// The modules asked for, and a hold on the signed-in layout's: what starts loading while it loads can be seen.
const loading = vi.hoisted(() => {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { requested: [] as string[], held, release: () => release() };
});

// The real modules, loaded through these wrappers, which only note when each is asked for (and hold the layout's).
vi.mock('@/app/app-layout', async (importOriginal) => {
  loading.requested.push('layout');
  await loading.held;
  return importOriginal<typeof AppLayoutModule>();
});
vi.mock('@/features/dashboard/components/dashboard-page', async (importOriginal) => {
  loading.requested.push('dashboard page');
  return importOriginal<typeof DashboardPageModule>();
});

describe('the signed-in layout, a lazy chunk of its own (app/routes.tsx)', () => {
  // At boot, preloadPage (main.tsx) loads both at once for a signed-in URL. After a sign-in, the page's chunk is asked
  // for while the layout's still loads, not once the layout has rendered its outlet, a second wait after the first.
  it('is not loaded for a signed-out page; after a sign-in, loads with the page under it, the full-page spinner meanwhile', async () => {
    server.use(http.get(`${API}/tasks/stats/`, () => new Promise(() => undefined)));
    const app = renderApp('/login', { as: 'anonymous' });
    await screen.findByRole('heading', { level: 1, name: 'Sign in' });
    expect(loading.requested).toEqual([]);

    // What a sign-in does (features/auth/hooks/use-after-sign-in.ts): the session starts, then the next page shows.
    await act(async () => {
      startSession('access-1', user);
      await app.router.navigate('/');
    });

    await waitFor(() => expect(loading.requested).toContain('dashboard page'));
    expect(loading.requested[0]).toBe('layout');
    expect(screen.getByRole('status')).toHaveTextContent('Loading…');
    expect(screen.queryByRole('navigation', { name: 'Main' })).not.toBeInTheDocument();

    loading.release();
    expect(await screen.findByRole('navigation', { name: 'Main' })).toBeInTheDocument();
    expect(await screen.findByRole('heading', { level: 1, name: 'Hello, Ada' })).toBeInTheDocument();
  });
});
