import type { ReactNode } from 'react';
import { Link } from 'react-router';

/** The centred card of the signed-out pages. */
export function AuthLayout({ title, subtitle, children, footer }: { title: string; subtitle?: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <main className="auth" id="main">
      <div className="auth__card">
        <Link to="/" className="brand brand--large" aria-label="Scalable Auth Dashboard home">
          <span className="brand__mark" aria-hidden="true">✓</span>
          <span>Scalable Auth Dashboard</span>
        </Link>
        <h1 className="auth__title">{title}</h1>
        {subtitle ? <p className="auth__subtitle">{subtitle}</p> : null}
        {children}
        {footer ? <div className="auth__footer">{footer}</div> : null}
      </div>
    </main>
  );
}
