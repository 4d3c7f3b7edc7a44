import { PageHeading } from '@/components/page-heading';
import { PasswordForm } from '@/features/account/components/password-form';
import { ProfileForm } from '@/features/account/components/profile-form';
import { SessionsPanel } from '@/features/account/components/sessions-panel';

export function AccountPage() {
  return (
    <div className="page">
      <header className="page__header">
        <div>
          <PageHeading>Account</PageHeading>
          <p className="page__subtitle">Your profile, password and signed-in devices.</p>
        </div>
      </header>
      <div className="account-grid">
        <ProfileForm />
        <PasswordForm />
      </div>
      <SessionsPanel />
    </div>
  );
}
