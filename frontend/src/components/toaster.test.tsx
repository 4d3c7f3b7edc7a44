import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { Toaster } from '@/components/toaster';
import { showToast } from '@/lib/toasts';

describe('toaster', () => {
  it.each([
    ['status', 'success', 'Task created.'],
    ['alert', 'error', 'Could not delete the task.'],
  ] as const)('reads a toast once: its %s region holds the message, and the Dismiss button does not repeat it', async (role, tone, message) => {
    render(<Toaster />);
    const user = userEvent.setup();
    act(() => {
      showToast({ message, tone });
    });

    const region = screen.getByRole(role);
    // The button's name is part of what the live region reads out: the message is its description instead.
    const dismiss = within(region).getByRole('button', { name: 'Dismiss' });
    expect(dismiss).toHaveAccessibleDescription(message);
    expect(within(region).queryByRole('button', { name: new RegExp(message.slice(0, 10)) })).not.toBeInTheDocument();
    expect(within(region).getAllByText(message)).toHaveLength(1);

    await user.click(dismiss);
    expect(within(region).queryByText(message)).not.toBeInTheDocument();
  });
});
