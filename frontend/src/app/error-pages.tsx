import { Link } from 'react-router';
import { PageHeading } from '@/components/page-heading';
import { useOffline } from '@/lib/online';
import { retryRestoreSession } from '@/lib/session';

export function NotFoundPage() {
  return (
    <main className="auth" id="main" tabIndex={-1}>
      <div className="auth__card">
        <PageHeading className="auth__title">Page not found</PageHeading>
        <p className="auth__subtitle">The page you asked for does not exist.</p>
        <Link className="button button--primary" to="/">
          Go to the dashboard
        </Link>
      </div>
    </main>
  );
}

/**
 * What RouteErrorBoundary shows when a page failed: a calm message and a reload, not a blank screen. The usual cause
 * is a page's chunk that did not load (a newer build replaced it, or the network failed): offline, reloading cannot
 * fix that yet, and the message says so rather than promise it.
 */
export function RouteErrorMessage() {
  const offline = useOffline();
  return (
    <div className="auth__card" role="alert">
      <PageHeading className="auth__title">Something went wrong</PageHeading>
      <p className="auth__subtitle">
        {offline
          ? 'The page could not be loaded: you are offline. Reload it once the connection is back.'
          : 'The page could not be shown. Reloading usually fixes it.'}
      </p>
      <button type="button" className="button button--primary" onClick={() => window.location.reload()}>
        Reload the page
      </button>
    </div>
  );
}

/** The error page above every layout (a failure outside the signed-in layout's pages, or of that layout itself). */
export function RouteErrorPage() {
  return (
    <main className="auth" id="main" tabIndex={-1}>
      <RouteErrorMessage />
    </main>
  );
}

/**
 * The silent restore on load failed for a reason that may pass (429, 5xx, offline): not a reason
 * to send the user to the login page. It retries by itself; the button tries now.
 */
export function RestoreFailedPage({ retryAt }: { retryAt: number | null }) {
  return (
    <main className="auth" id="main" tabIndex={-1}>
      <div className="auth__card" role="alert">
        <PageHeading className="auth__title">Couldn't restore your session</PageHeading>
        <p className="auth__subtitle">
          The server could not be reached or is busy.{' '}
          {retryAt ? 'We will try again in a moment.' : 'Please try again.'}
        </p>
        <button type="button" className="button button--primary" onClick={() => void retryRestoreSession()}>
          Retry
        </button>
      </div>
    </main>
  );
}
