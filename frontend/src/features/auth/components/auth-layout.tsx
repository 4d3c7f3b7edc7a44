import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { APP_NAME, PageHeading } from '@/components/page-heading';
import { ThemeSelect } from '@/components/theme-select';
import { OfflineBanner } from '@/components/offline-banner';

/** The centred card of the signed-out pages. */
export function AuthLayout({ title, subtitle, children, footer }: { title: string; subtitle?: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <main className="auth" id="main">
      <div className="auth__card">
        <OfflineBanner />
        <Link to="/" className="brand brand--large" aria-label={`${APP_NAME} home`}>
          <span className="brand__mark" aria-hidden="true">✓</span>
          <span>{APP_NAME}</span>
        </Link>
        <PageHeading className="auth__title">{title}</PageHeading>
        {subtitle ? <p className="auth__subtitle">{subtitle}</p> : null}
        {children}
        {footer ? <div className="auth__footer">{footer}</div> : null}
        <div className="auth__theme">
          <ThemeSelect />
        </div>
      </div>
    </main>
  );
}
