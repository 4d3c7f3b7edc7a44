import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
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

/** A form that asks before closing: the question opens on top of it. */
function Guarded() {
  const [asking, setAsking] = useState(false);
  return (
    <main id="main" tabIndex={-1}>
      <button type="button">New task</button>
      <Dialog title="New task" onClose={() => setAsking(true)}>
        <input aria-label="Title" />
      </Dialog>
      {asking ? (
        <Dialog title="Discard your changes?" onClose={() => setAsking(false)}>
          <button type="button" onClick={() => setAsking(false)}>
            Keep editing
          </button>
        </Dialog>
      ) : null}
    </main>
  );
}

describe('Dialog on top of another', () => {
  it('leaves the page behind inert (has-modal) when it closes while the one under it stays open', async () => {
    render(<Guarded />);
    const user = userEvent.setup();

    await user.keyboard('{Escape}');
    await user.click(await screen.findByRole('button', { name: 'Keep editing' }));

    expect(screen.queryByRole('dialog', { name: 'Discard your changes?' })).not.toBeInTheDocument();
    expect(screen.getByRole('dialog', { name: 'New task' })).toHaveAttribute('open');
    expect(document.body).toHaveClass('has-modal');
  });
});

describe('Dialog whose owner refuses to close it (its request runs)', () => {
  /** A page with the button that opened the dialog, and a dialog that stays while its request runs. */
  function Busy({ onClose }: { onClose: () => void }) {
    return (
      <main id="main" tabIndex={-1}>
        <button type="button">Add a passkey</button>
        <Dialog title="Name this passkey" onClose={onClose}>
          <input aria-label="Name" />
          <button type="submit" aria-disabled="true">
            Adding…
          </button>
        </Dialog>
      </main>
    );
  }

  it('opens again when the browser closes it anyway (an Escape it no longer lets be cancelled), the focus back where it was', async () => {
    // As in Chromium, showModal() focuses the dialog's first control (jsdom's stand-in, in testing/setup.ts, does not).
    const showModal = HTMLDialogElement.prototype.showModal;
    vi.spyOn(HTMLDialogElement.prototype, 'showModal').mockImplementation(function (this: HTMLDialogElement) {
      showModal.call(this);
      this.querySelector<HTMLElement>('button, input')?.focus();
    });
    const onClose = vi.fn();
    render(<Busy onClose={onClose} />);
    const dialog = screen.getByRole<HTMLDialogElement>('dialog', { name: 'Name this passkey' });
    const adding = screen.getByRole('button', { name: 'Adding…' });
    act(() => adding.focus());

    // When the browser closes it, and gives the focus back to the opener, as Chromium does at the third Escape
    act(() => {
      dialog.close();
      screen.getByRole('button', { name: 'Add a passkey' }).focus();
    });

    // Then the owner was asked, refused, and the dialog is open again as the owner believes, the focus where it was
    expect(onClose).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(dialog).toHaveAttribute('open'));
    expect(adding).toHaveFocus();
    expect(document.body).toHaveClass('has-modal');
  });

  it('stays under a dialog its owner opened instead of closing ("Discard your changes?"), and opens again once that one closes', async () => {
    render(<Guarded />);
    const form = screen.getByRole<HTMLDialogElement>('dialog', { name: 'New task' });
    const title = screen.getByRole('textbox', { name: 'Title' });
    act(() => title.focus());

    // When the browser closes the form (focus back on its opener), and its owner asks instead of closing
    act(() => {
      form.close();
      screen.getByRole('button', { name: 'New task' }).focus();
    });
    const question = await screen.findByRole('dialog', { name: 'Discard your changes?' });
    await act(() => new Promise((resolve) => setTimeout(resolve, 0)));

    // Then the question stays the dialog on top: the form does not open again over it
    expect(question).toHaveAttribute('open');
    expect(form).not.toHaveAttribute('open');

    // And once the question is answered "keep editing", the form is open again, the focus back in its field
    await userEvent.setup().click(screen.getByRole('button', { name: 'Keep editing' }));
    await waitFor(() => expect(form).toHaveAttribute('open'));
    expect(screen.queryByRole('dialog', { name: 'Discard your changes?' })).not.toBeInTheDocument();
    expect(title).toHaveFocus();
    expect(document.body).toHaveClass('has-modal');
  });

  it('stays closed when its owner agrees to close it then', async () => {
    render(<Page />);
    const dialog = screen.getByRole<HTMLDialogElement>('dialog', { name: 'Dismissible' });

    act(() => dialog.close());

    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(dialog).not.toHaveAttribute('open');
    expect(document.body).not.toHaveClass('has-modal');
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
