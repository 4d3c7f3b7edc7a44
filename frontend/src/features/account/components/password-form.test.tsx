import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { user as ada } from '@/testing/fixtures';
import { renderSignedIn } from '@/testing/render';
import { PasswordForm } from '@/features/account/components/password-form';

describe('change password form', () => {
  it('names the account for password managers, in a hidden read-only username field', () => {
    renderSignedIn(<PasswordForm />);
    const form = screen.getByRole('region', { name: 'Change password' });

    // Without it, a password manager cannot store the new password against this account.
    const username = form.querySelector('input[autocomplete="username"]');
    expect(username).toHaveValue(ada.email);
    expect(username).toHaveAttribute('readonly');
    expect(username).not.toBeVisible();
    expect(username?.closest('form')).toBe(within(form).getByLabelText('New password').closest('form'));
    expect(within(form).getByLabelText('New password')).toHaveAttribute('autocomplete', 'new-password');
  });

  it('marks the new password and its confirmation required, as the reset form does', () => {
    renderSignedIn(<PasswordForm />);
    const form = screen.getByRole('region', { name: 'Change password' });

    expect(within(form).getByLabelText('New password')).toBeRequired();
    expect(within(form).getByLabelText('Confirm new password')).toBeRequired();
  });
});
