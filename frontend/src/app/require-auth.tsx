import { Navigate, Outlet, useLocation } from 'react-router';
import { FullPageSpinner } from '@/components/feedback';
import { loginPath } from '@/lib/navigation';
import { RestoreFailedPage } from '@/app/error-pages';
import { useSession } from '@/lib/session';

/** Signed-in pages: wait for the silent restore, else go to /login keeping the destination. */
export function RequireAuth() {
  const session = useSession();
  const location = useLocation();
  if (session.status === 'loading') return <FullPageSpinner label="Restoring your session…" />;
  if (session.status === 'unavailable') return <RestoreFailedPage retryAt={session.retryAt} />;
  if (session.status === 'anonymous') {
    const next = session.reason === 'signed-out' ? undefined : `${location.pathname}${location.search}`;
    return <Navigate to={loginPath(next)} replace />;
  }
  return <Outlet />;
}

/**
 * The signed-out pages wait for the restore too, so a signed-in user is not shown a login form first. It only waits:
 * signed in or not, the page shows, and decides itself what a signed-in user gets (the sign-in and registration
 * pages go on to their `next`; the provider's callback page finishes a connect; a reset link works either way).
 */
export function WaitForSession() {
  const session = useSession();
  if (session.status === 'loading') return <FullPageSpinner />;
  if (session.status === 'unavailable') return <RestoreFailedPage retryAt={session.retryAt} />;
  return <Outlet />;
}
