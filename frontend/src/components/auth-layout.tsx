import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { APP_NAME, PageHeading } from '@/components/page-heading';
import { ThemeSelect } from '@/components/theme-select';
import { OfflineBanner } from '@/components/offline-banner';
import { Announcer } from '@/components/feedback';
import { Toaster } from '@/components/toaster';

/**
 * The centred card of the signed-out pages, and of the pages emailed links open (signed in or not).
 * It has its own toaster: e.g. "Your account was deleted" arrives on the sign-in page.
 */
interface AuthLayoutProps {
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  /** The id of the notice the page opens with, read with the heading (PageHeading's `describedBy`). */
  describedBy?: string;
}

export function AuthLayout({ title, subtitle, children, footer, describedBy }: AuthLayoutProps) {
  return (
    // tabIndex -1: a place for the focus when what had it is gone (a closed dialog, a dismissed toast),
    // rather than <body>.
    <main className="auth" id="main" tabIndex={-1}>
      <div className="auth__card">
        <OfflineBanner />
        <Link to="/" className="brand brand--large" aria-label={`${APP_NAME} home`}>
          <span className="brand__mark" aria-hidden="true">✓</span>
          <span>{APP_NAME}</span>
        </Link>
        <PageHeading className="auth__title" describedBy={describedBy}>
          {title}
        </PageHeading>
        {subtitle ? <p className="auth__subtitle">{subtitle}</p> : null}
        {children}
        {footer ? <div className="auth__footer">{footer}</div> : null}
        <div className="auth__theme">
          <ThemeSelect />
        </div>
      </div>
      <Toaster />
      <Announcer />
    </main>
  );
}
