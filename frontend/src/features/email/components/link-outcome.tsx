import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { AuthLayout } from '@/components/auth-layout';
import { ErrorState, FormAlert, SuccessAlert } from '@/components/feedback';
import { focusPageHeading } from '@/components/page-heading';
import { errorMessage } from '@/lib/api-error';
import { useSession } from '@/lib/session';

/** A failure that did not use the link up (offline, a server error, a rate limit): say so, and offer to try again. */
export function LinkRequestFailed({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  // "Try again" goes with this failure (a spinner, then the outcome, takes its place): the focus moves to the
  // page's heading first, which stays and names the outcome, so it never drops to <body>.
  function retry() {
    focusPageHeading();
    onRetry();
  }
  return <ErrorState message={`The link could not be checked. ${errorMessage(error)}`} onRetry={retry} />;
}

/** Where to go from here: the account page when signed in, else the sign-in page. */
export function ContinueLink() {
  const session = useSession();
  const [to, label] =
    session.status === 'authenticated' ? ['/account', 'Go to your account'] : session.status === 'anonymous' ? ['/login', 'Sign in'] : ['/', 'Continue'];
  return (
    <div>
      <Link to={to} className="button button--primary">
        {label}
      </Link>
    </div>
  );
}

/** The frame of a page an emailed link opens: its title, how the link went (a success or a problem), what next. */
export function LinkPage({ title, footer, success, problem, children }: { title: string; footer: ReactNode; success: ReactNode; problem: string | null; children: ReactNode }) {
  return (
    <AuthLayout title={title} footer={footer}>
      <div className="stack auth__body">
        <SuccessAlert>{success}</SuccessAlert>
        <FormAlert messages={problem ? [problem] : []} />
        {children}
      </div>
    </AuthLayout>
  );
}
