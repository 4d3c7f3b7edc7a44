import { QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { routes } from '@/app/routes';
import { setAccessToken } from '@/lib/access-token';
import { queryClient } from '@/lib/query-client';
import { resetSessionForTests } from '@/lib/session';
import { user } from '@/testing/fixtures';

function signIn(token = 'access-1') {
  setAccessToken(token);
  resetSessionForTests({ status: 'authenticated', user });
}

type As = 'user' | 'anonymous' | 'restoring';

/** The whole route table at `path`, signed in unless told otherwise; `location()` reads the URL. */
export function renderApp(path: string, { as = 'user', token }: { as?: As; token?: string } = {}) {
  if (as === 'user') signIn(token);
  if (as === 'anonymous') resetSessionForTests({ status: 'anonymous', reason: 'none' });
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const view = render(
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { ...view, router, location: () => `${router.state.location.pathname}${router.state.location.search}` };
}

/** One component under a router and the query client, signed in. */
export function renderSignedIn(element: ReactNode, path = '/') {
  signIn();
  const router = createMemoryRouter([{ path: '*', element }], { initialEntries: [path] });
  return render(
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
}
