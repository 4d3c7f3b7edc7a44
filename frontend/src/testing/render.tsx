import { QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import { type ReactNode, StrictMode, useLayoutEffect } from 'react';
import { type Location, MemoryRouter, type NavigateFunction, useLocation, useNavigate } from 'react-router';
import { AppRoutes } from '@/app/routes';
import { setAccessToken } from '@/lib/access-token';
import { queryClient } from '@/lib/query-client';
import { resetSessionForTests } from '@/lib/session';
import { user } from '@/testing/fixtures';
import type { User } from '@/types/user';

function signIn(token = 'access-1', who: User = user) {
  setAccessToken(token);
  resetSessionForTests({ status: 'authenticated', user: who });
}

type As = 'user' | 'anonymous' | 'restoring';

/** What a test can do with the router: where it is, go somewhere (or back), hear every change. */
export interface TestRouter {
  state: { location: Location };
  navigate: NavigateFunction;
  subscribe: (listener: (state: { location: Location }) => void) => () => void;
}

function testRouter(): { router: TestRouter; probe: ReactNode } {
  const listeners = new Set<(state: { location: Location }) => void>();
  const router: TestRouter = {
    state: { location: undefined as unknown as Location },
    navigate: (() => undefined) as NavigateFunction,
    subscribe(listener: (state: { location: Location }) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  // Inside the router: keeps `state` and `navigate` current, and tells the listeners of each new location.
  function Probe() {
    const location = useLocation();
    const navigate = useNavigate();
    useLayoutEffect(() => {
      router.navigate = navigate;
      if (router.state.location === location) return;
      router.state = { location };
      listeners.forEach((listener) => listener(router.state));
    });
    return null;
  }
  return { router, probe: <Probe /> };
}

/**
 * The whole route table at `path`, signed in unless told otherwise (as the fixtures' user, or `user`); `location()`
 * reads the URL. `strict`: under React's StrictMode, which mounts every component twice (effects run, are cleaned
 * up and run again), as in development.
 */
export function renderApp(
  path: string,
  { as = 'user', token, strict = false, user: who }: { as?: As; token?: string; strict?: boolean; user?: User } = {},
) {
  if (as === 'user') signIn(token, who);
  if (as === 'anonymous') resetSessionForTests({ status: 'anonymous', reason: 'none' });
  const { router, probe } = testRouter();
  const app = (
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[path]}>
        {probe}
        <AppRoutes />
      </MemoryRouter>
    </QueryClientProvider>
  );
  const view = render(strict ? <StrictMode>{app}</StrictMode> : app);
  return { ...view, router, location: () => `${router.state.location.pathname}${router.state.location.search}${router.state.location.hash}` };
}

/** One component under a router and the query client, signed in. */
export function renderSignedIn(element: ReactNode, path = '/') {
  signIn();
  return render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[path]}>{element}</MemoryRouter>
    </QueryClientProvider>,
  );
}
