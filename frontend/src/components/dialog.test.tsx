import { act, fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { ConfirmDialog, Dialog } from '@/components/dialog';
import { STALLED_AFTER_MS } from '@/lib/use-stalled';

/** A page with a main region, and a dialog its test opens and closes by mounting it. */
function Page({ dismissible = true, onClose }: { dismissible?: boolean; onClose?: () => void }) {
  const [open, setOpen] = useState(true);
  const close = () => {
    onClose?.();
    setOpen(false);
  };
  return (
    <main id="main" tabIndex={-1}>
      {open ? (
        dismissible ? (
          <Dialog title="Dismissible" onClose={close}>
            <button type="button" onClick={close}>
              Done
            </button>
          </Dialog>
        ) : (
          <Dialog title="Not dismissible" dismissible={false}>
            <button type="button" onClick={close}>
              Done
            </button>
          </Dialog>
        )
      ) : null}
    </main>
  );
}

describe('Dialog', () => {
  it('returns the focus to the main region, never to <body>, when nothing had it when it opened', async () => {
    // Given nothing focused (e.g. the control that led here was just unmounted).
    (document.activeElement as HTMLElement | null)?.blur();
    expect(document.activeElement).toBe(document.body);
    render(<Page />);
    const user = userEvent.setup();

    await user.click(screen.getByRole('button', { name: 'Done' }));

    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.getByRole('main')).toHaveFocus();
  });

  it('still closes on Escape, on × and on a click on the backdrop by default', async () => {
    const onClose = vi.fn();
    const user = userEvent.setup();

    const first = render(<Page onClose={onClose} />);
    expect(screen.getByRole('button', { name: 'Close' })).toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    first.unmount();

    const second = render(<Page onClose={onClose} />);
    await user.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    second.unmount();

    render(<Page onClose={onClose} />);
    fireEvent.click(screen.getByRole('dialog'));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(onClose).toHaveBeenCalledTimes(3);
  });

  it('not dismissible: no ×, and Escape or a click on the backdrop leave it open; its own button closes it', async () => {
    render(<Page dismissible={false} />);
    const user = userEvent.setup();
    const dialog = screen.getByRole('dialog', { name: 'Not dismissible' });

    expect(screen.queryByRole('button', { name: 'Close' })).not.toBeInTheDocument();
    await user.keyboard('{Escape}');
    expect(dialog).toHaveAttribute('open');
    fireEvent.click(dialog);
    expect(dialog).toHaveAttribute('open');
    expect(screen.getByRole('dialog', { name: 'Not dismissible' })).toBe(dialog);

    await user.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('not dismissible: opens again when the browser closes it anyway (a second Escape may not be cancellable)', () => {
    render(<Page dismissible={false} />);
    const dialog = screen.getByRole<HTMLDialogElement>('dialog', { name: 'Not dismissible' });

    dialog.close();

    expect(dialog).toHaveAttribute('open');
    expect(screen.getByRole('button', { name: 'Done' })).toHaveFocus();
  });
});

describe('ConfirmDialog', () => {
  it('cannot be cancelled while its action runs (closing would only hide the outcome), by button, × or Escape', async () => {
    const onCancel = vi.fn();
    const user = userEvent.setup();
    const { rerender } = render(<ConfirmDialog title="Revoke this session?" description="It is signed out at once." confirmLabel="Revoke" pending onConfirm={() => undefined} onCancel={onCancel} />);

    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    await user.click(screen.getByRole('button', { name: 'Close' }));
    await user.keyboard('{Escape}');
    expect(onCancel).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Cancel' })).toHaveAttribute('aria-disabled', 'true');

    rerender(<ConfirmDialog title="Revoke this session?" description="It is signed out at once." confirmLabel="Revoke" onConfirm={() => undefined} onCancel={onCancel} />);
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onCancel).toHaveBeenCalledTimes(1);
  });
});

describe('ConfirmDialog whose action hangs', () => {
  it('lets the user leave once the action has run too long, saying it may still happen', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const onCancel = vi.fn();
      const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
      render(<ConfirmDialog title="Revoke this session?" description="It is signed out at once." confirmLabel="Revoke" pending onConfirm={() => undefined} onCancel={onCancel} />);
      await user.click(screen.getByRole('button', { name: 'Cancel' }));
      expect(onCancel).not.toHaveBeenCalled();

      // When the request has hung for STALLED_AFTER_MS
      act(() => vi.advanceTimersByTime(STALLED_AFTER_MS));

      // Then the dialog says so, and Cancel (as Escape) lets the user go
      expect(screen.getByRole('status')).toHaveTextContent('Still waiting for the server. You can close this; what you asked for may still happen.');
      expect(screen.getByRole('button', { name: 'Cancel' })).not.toHaveAttribute('aria-disabled');
      await user.click(screen.getByRole('button', { name: 'Cancel' }));
      expect(onCancel).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
