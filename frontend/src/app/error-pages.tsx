import { Link, useRouteError } from 'react-router';

export function NotFoundPage() {
  return (
    <main className="auth" id="main">
      <div className="auth__card">
        <h1 className="auth__title">Page not found</h1>
        <p className="auth__subtitle">The page you asked for does not exist.</p>
        <Link className="button button--primary" to="/">
          Go to the dashboard
        </Link>
      </div>
    </main>
  );
}

/**
 * Anything a page throws while rendering or loading, e.g. a route chunk that a newer build
 * replaced: a calm message and a reload, instead of a blank screen.
 */
export function RouteErrorPage() {
  const error = useRouteError();
  console.error(error);
  return (
    <main className="auth" id="main">
      <div className="auth__card" role="alert">
        <h1 className="auth__title">Something went wrong</h1>
        <p className="auth__subtitle">The page could not be shown. Reloading usually fixes it.</p>
        <button type="button" className="button button--primary" onClick={() => window.location.reload()}>
          Reload the page
        </button>
      </div>
    </main>
  );
}
