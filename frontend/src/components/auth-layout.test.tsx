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
    // Found by waiting: the lazy page's commit may not have run its effects yet (a busy machine runs React's
    // scheduled work after the test's next step), and the toaster shows the toast once it has subscribed.
    const region = screen.getByRole('region', { name: 'Notifications' });
    const dismiss = await within(region).findByRole('button', { name: 'Dismiss', description: 'Your account was deleted.' });

    await user.click(dismiss);

    await vi.waitFor(() => expect(screen.getByRole('main')).toHaveFocus());
  });
});
