import { type ComponentType, lazy, Suspense } from 'react';
import { Outlet, type RouteObject } from 'react-router';
import { FullPageSpinner } from '@/components/feedback';
import { AppLayout } from '@/app/app-layout';
import { NotFoundPage, RouteErrorPage } from '@/app/error-pages';
import { PublicOnly, RequireAuth } from '@/app/require-auth';
import { RouteFocus } from '@/app/route-focus';

/** Route-level code splitting: each page is its own chunk, loaded on first visit. */
function page<M>(load: () => Promise<M>, name: keyof M) {
  return lazy(async () => ({ default: (await load())[name] as ComponentType }));
}

const LoginPage = page(() => import('@/features/auth/components/login-page'), 'LoginPage');
const RegisterPage = page(() => import('@/features/auth/components/register-page'), 'RegisterPage');
const ForgotPasswordPage = page(() => import('@/features/auth/components/forgot-password-page'), 'ForgotPasswordPage');
const ResetPasswordPage = page(() => import('@/features/auth/components/reset-password-page'), 'ResetPasswordPage');
const DashboardPage = page(() => import('@/features/dashboard/components/dashboard-page'), 'DashboardPage');
const TasksPage = page(() => import('@/features/tasks/components/tasks-page'), 'TasksPage');
const AccountPage = page(() => import('@/features/account/components/account-page'), 'AccountPage');

/** Above every route: focus follows navigation. */
function RootFrame() {
  return (
    <>
      <RouteFocus />
      <Outlet />
    </>
  );
}

function PublicFrame() {
  return (
    <Suspense fallback={<FullPageSpinner />}>
      <Outlet />
    </Suspense>
  );
}

export const routes: RouteObject[] = [
  {
    element: <RootFrame />,
    errorElement: <RouteErrorPage />,
    children: [
      {
        element: <PublicOnly />,
        children: [
          {
            element: <PublicFrame />,
            children: [
              { path: 'login', element: <LoginPage /> },
              { path: 'register', element: <RegisterPage /> },
              { path: 'forgot-password', element: <ForgotPasswordPage /> },
              // The password-reset email links here (backend/accounts/services.py).
              { path: 'reset-password', element: <ResetPasswordPage /> },
            ],
          },
        ],
      },
      {
        element: <RequireAuth />,
        children: [
          {
            element: <AppLayout />,
            children: [
              { index: true, element: <DashboardPage /> },
              { path: 'tasks', element: <TasksPage /> },
              { path: 'account', element: <AccountPage /> },
            ],
          },
        ],
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];
