import { Link } from 'react-router';

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
