import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { renderSignedIn } from '@/testing/render';
import { PasskeyNameDialog } from '@/features/security/components/passkey-name-dialog';

// The API counts a passkey name's 64 characters in code points; an input's maxLength counts UTF-16 units, two for
// an emoji, so it cut "💻💻…" off at 32.
const NAME = '💻'.repeat(64);

describe('passkey name', () => {
  it('takes 64 emoji whole, as the API does', async () => {
    const onSubmit = vi.fn();
    renderSignedIn(
      <PasskeyNameDialog title="Name this passkey" description="" initial="" submitLabel="Save" pending={false} error={null} onSubmit={onSubmit} onCancel={() => {}} />,
    );
    const user = userEvent.setup();

    await user.click(screen.getByLabelText('Name'));
    await user.paste(NAME);
    await user.click(screen.getByRole('button', { name: 'Save' }));

    expect(onSubmit).toHaveBeenCalledWith(NAME);
  });
});
