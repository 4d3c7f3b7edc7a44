import { Link } from 'react-router';
import { PageHeading } from '@/components/page-heading';
import { ActivityPanel } from '@/features/account/components/activity-panel';
import { ConnectedAccountsPanel } from '@/features/account/components/connected-accounts-panel';
import { DataPanel } from '@/features/account/components/data-panel';
import { EmailPanel } from '@/features/account/components/email-panel';
import { PasswordForm } from '@/features/account/components/password-form';
import { ProfileForm } from '@/features/account/components/profile-form';
import { SessionsPanel } from '@/features/account/components/sessions-panel';

export function AccountPage() {
  return (
    <div className="page">
      <header className="page__header">
        <div>
          <PageHeading>Account</PageHeading>
          <p className="page__subtitle">
            Your profile, email, password, signed-in devices and data. Two-step verification and passkeys are on the{' '}
            <Link to="/security">security page</Link>.
          </p>
        </div>
      </header>
      <div className="account-grid">
        <ProfileForm />
        <EmailPanel />
        <PasswordForm />
        <DataPanel />
      </div>
      <ConnectedAccountsPanel />
      <SessionsPanel />
      <ActivityPanel />
    </div>
  );
}
