import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { showToast } from '@/lib/toasts';
import { renderApp } from '@/testing/render';

describe('AuthLayout', () => {
  it('keeps the focus in the page, not on <body>, when a toast that had it is dismissed on a signed-out page', async () => {
    renderApp('/login', { as: 'anonymous' });
    await screen.findByRole('heading', { name: 'Sign in' });
    act(() => {
      // Real timers: it must not leave by its time (5 s) while a busy machine runs the test, as it did in CI.
      showToast({ message: 'Your account was deleted.', duration: 600_000 });
    });
    const user = userEvent.setup();
    const dismiss = within(screen.getByRole('region', { name: 'Notifications' })).getByRole('button', { name: 'Dismiss', description: 'Your account was deleted.' });

    await user.click(dismiss);

    await vi.waitFor(() => expect(screen.getByRole('main')).toHaveFocus());
  });
});
