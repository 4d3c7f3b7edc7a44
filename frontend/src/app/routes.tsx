import { type ComponentType, lazy, Suspense, useEffect } from 'react';
import { matchRoutes, Outlet, type RouteObject, useLocation, useRoutes } from 'react-router';
import { FullPageSpinner } from '@/components/feedback';
import { NotFoundPage, RouteErrorMessage } from '@/app/error-pages';
import { RequireAuth, WaitForSession } from '@/app/require-auth';
import { RouteErrorBoundary } from '@/app/route-error-boundary';
import { RouteFocus } from '@/app/route-focus';

const loadQueryProvider = () => import('@/app/query-provider');
const loadAppLayout = () => import('@/app/app-layout');
const AppLayout = lazy(async () => ({ default: (await loadAppLayout()).AppLayout }));

/**
 * Route-level code splitting: each page is its own chunk, with TanStack Query (the pages' data
 * layer) in a chunk of its own. `load` is also the page's preload (a module loads once).
 */
function page<M>(load: () => Promise<M>, name: keyof M) {
  const Page = lazy(async () => {
    const [module, { QueryProvider }] = await Promise.all([load(), loadQueryProvider()]);
    const Content = module[name] as ComponentType;
    return {
      default: function RoutePage() {
        return (
          <QueryProvider>
            <Content />
          </QueryProvider>
        );
      },
    };
  });
  return { Page, load };
}

const pages = {
  login: page(() => import('@/features/auth/components/login-page'), 'LoginPage'),
  loginCode: page(() => import('@/features/auth/components/login-code-page'), 'LoginCodePage'),
  oidcCallback: page(() => import('@/features/auth/components/oidc-callback-page'), 'OidcCallbackPage'),
  register: page(() => import('@/features/auth/components/register-page'), 'RegisterPage'),
  forgotPassword: page(() => import('@/features/auth/components/forgot-password-page'), 'ForgotPasswordPage'),
  resetPassword: page(() => import('@/features/auth/components/reset-password-page'), 'ResetPasswordPage'),
  dashboard: page(() => import('@/features/dashboard/components/dashboard-page'), 'DashboardPage'),
  tasks: page(() => import('@/features/tasks/components/tasks-page'), 'TasksPage'),
  account: page(() => import('@/features/account/components/account-page'), 'AccountPage'),
  security: page(() => import('@/features/security/components/security-page'), 'SecurityPage'),
  verifyEmail: page(() => import('@/features/email/components/verify-email-page'), 'VerifyEmailPage'),
  confirmEmailChange: page(() => import('@/features/email/components/confirm-email-change-page'), 'ConfirmEmailChangePage'),
};

/** Above every route: focus follows navigation, and a page that throws (outside the signed-in layout: PageFrame) shows the error page. */
function RootFrame() {
  const { pathname } = useLocation();
  return (
    <>
      <RouteFocus />
      <RouteErrorBoundary resetKey={pathname}>
        <Outlet />
      </RouteErrorBoundary>
    </>
  );
}

/**
 * The signed-in layout (top bar, toaster, offline banner, shortcuts) is a lazy chunk, as the pages are: it is not boot
 * JavaScript, and signed-out pages never load it (they have components/auth-layout.tsx). Like a page's, its chunk
 * starts loading at boot when the URL is a signed-in page (preloadPage), in parallel with the session restore, which
 * it waits for anyway. When it is first shown later (after a sign-in), the page under it starts loading at the same
 * time, not once the layout has rendered its outlet; meanwhile the same full-page spinner as during the restore.
 */
function SignedInFrame() {
  const { pathname } = useLocation();
  useEffect(() => preloadPage(pathname), [pathname]);
  return (
    <Suspense fallback={<FullPageSpinner />}>
      <AppLayout />
    </Suspense>
  );
}

/**
 * Around each signed-in page, in the layout's <main>: a page that throws, or whose chunk fails to load, shows the error
 * there, and the shell stays (navigation, Sign out, and the toaster, without which an Undo's delete would wait unseen).
 * Here rather than in app-layout.tsx: the layout's chunk importing the boot chunk's error components split React's
 * chunk in the build, about 0.4 kB more boot JavaScript.
 */
function PageFrame() {
  const { pathname } = useLocation();
  return (
    <RouteErrorBoundary resetKey={pathname} fallback={<RouteErrorMessage />}>
      <Outlet />
    </RouteErrorBoundary>
  );
}

function PublicFrame() {
  return (
    <Suspense fallback={<FullPageSpinner />}>
      <Outlet />
    </Suspense>
  );
}

/** `chunk`: the lazy chunk of the route's element (a page, or the signed-in layout), which preloadPage loads. */
type PageRoute = RouteObject & { chunk?: { load: () => Promise<unknown> } };

function leaf(path: string | undefined, { Page, load }: ReturnType<typeof page>): PageRoute {
  return path === undefined ? { index: true, element: <Page />, chunk: { load } } : { path, element: <Page />, chunk: { load } };
}

const signedInLayout: PageRoute = {
  element: <SignedInFrame />,
  chunk: { load: loadAppLayout },
  children: [
    {
      element: <PageFrame />,
      children: [leaf(undefined, pages.dashboard), leaf('tasks', pages.tasks), leaf('account', pages.account), leaf('security', pages.security)],
    },
  ],
};

export const routes: PageRoute[] = [
  {
    element: <RootFrame />,
    children: [
      {
        element: <WaitForSession />,
        children: [
          {
            element: <PublicFrame />,
            children: [
              leaf('login', pages.login),
              leaf('login/code', pages.loginCode),
              // Where an OpenID Connect provider sends the browser back: signed out (a sign-in) or in (a connect).
              leaf('login/oidc/callback', pages.oidcCallback),
              leaf('register', pages.register),
              leaf('forgot-password', pages.forgotPassword),
              // The password-reset email links here (backend/accounts/emails/links.py).
              leaf('reset-password', pages.resetPassword),
            ],
          },
        ],
      },
      {
        // Emailed links open these, signed in or not: no guard (each says where to go next).
        element: <PublicFrame />,
        children: [leaf('verify-email', pages.verifyEmail), leaf('confirm-email-change', pages.confirmEmailChange)],
      },
      {
        element: <RequireAuth />,
        children: [signedInLayout],
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];

/**
 * At boot, the chunk of the page at this URL (and of the signed-in layout, for a signed-in page) starts loading at
 * once, while the session is being restored, instead of after it (a lazy component renders only once the guard lets it).
 */
export function preloadPage(pathname: string): void {
  const matches = matchRoutes(routes, pathname) ?? [];
  for (const { route } of matches) {
    const load = (route as PageRoute).chunk?.load;
    if (load) void Promise.all([load(), loadQueryProvider()]).catch(() => undefined);
  }
}

/** The route table, rendered by whichever router is around it (the browser's, or a test's). */
export function AppRoutes() {
  return useRoutes(routes);
}
