import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Dialog } from '@/components/dialog';
import { Toaster } from '@/components/toaster';
import { dismissToast, MAX_TOASTS, showToast, TOAST_MS } from '@/lib/toasts';

// Real timers: no toast here may leave by its time while a busy machine runs the test (a 5 s one did, in CI).
const duration = 600_000;

describe('toaster', () => {
  it.each([
    ['status', 'success', 'Task created.'],
    ['alert', 'error', 'Could not delete the task.'],
  ] as const)('reads a toast once: its %s region holds the message, and the Dismiss button does not repeat it', async (role, tone, message) => {
    render(<Toaster />);
    const user = userEvent.setup();
    act(() => {
      showToast({ message, tone, duration });
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

  it('shows at most 3: a new one pushes out the oldest plain one first, as if its time were up, then the oldest', () => {
    render(<Toaster />);
    const expired: string[] = [];
    const show = (message: string, action = false) =>
      act(() => {
        showToast({ message, tone: 'info', duration, onExpire: () => expired.push(message), action: action ? { label: 'Undo', run: vi.fn() } : undefined });
      });
    const shown = () => screen.getAllByRole('paragraph').map((message) => message.textContent);

    show('Deleted “A”.', true);
    show('Saved.');
    show('Deleted “B”.', true);
    expect(MAX_TOASTS).toBe(3);

    // The plain one goes before either Undo.
    show('Deleted “C”.', true);
    expect(shown()).toEqual(['Deleted “A”.', 'Deleted “B”.', 'Deleted “C”.']);
    expect(expired).toEqual(['Saved.']);

    // Only Undo toasts left: the oldest goes, and its onExpire runs (for a task, its deletion is sent).
    show('Deleted “D”.', true);
    expect(shown()).toEqual(['Deleted “B”.', 'Deleted “C”.', 'Deleted “D”.']);
    expect(expired).toEqual(['Saved.', 'Deleted “A”.']);
  });

  it('keeps the focus in the notifications when the toast that had it is pushed out (not lost to <body>, not on another Undo)', async () => {
    render(
      <>
        <main id="main" tabIndex={-1} />
        <Toaster />
      </>,
    );
    const user = userEvent.setup();
    const expired: string[] = [];
    const undone: string[] = [];
    const deleted = (title: string) =>
      act(() => {
        showToast({ message: `Deleted “${title}”.`, tone: 'info', duration, onExpire: () => expired.push(title), action: { label: 'Undo', run: () => undone.push(title) } });
      });
    deleted('A');
    deleted('B');
    deleted('C');
    const region = screen.getByRole('region', { name: 'Notifications' });
    const undoA = within(region).getAllByRole('button', { name: 'Undo' })[0]!;
    undoA.focus();
    expect(undoA).toHaveFocus();

    // A fourth pushes out the oldest, A, with the focus on its Undo: its deletion is sent, as its time being up would.
    deleted('D');
    expect(screen.queryByText('Deleted “A”.')).not.toBeInTheDocument();
    expect(expired).toEqual(['A']);
    expect(region).toHaveFocus();

    // An Enter meant for A's Undo undoes nothing else; the next Tab reaches the toasts left.
    await user.keyboard('{Enter}');
    expect(undone).toEqual([]);
    await user.tab();
    expect(within(region).getAllByRole('button', { name: 'Undo' })[0]).toHaveFocus();
    expect(screen.getByText('Deleted “B”.').closest('.toast')).toContainElement(document.activeElement as HTMLElement);
  });

  it('still sends the focus to the page when the toast is closed with its own button', async () => {
    render(
      <>
        <main id="main" tabIndex={-1} />
        <Toaster />
      </>,
    );
    const user = userEvent.setup();
    act(() => {
      showToast({ message: 'Saved.', duration });
    });
    await user.click(screen.getByRole('button', { name: 'Dismiss' }));
    await waitFor(() => expect(screen.getByRole('main')).toHaveFocus());
  });

  it('keeps room for the toasts as they wrap to more lines in a narrower window, and listens to the window only while they show', () => {
    // jsdom lays nothing out: here a toast is 52 px high in a wide window, 96 px (two lines) in a narrow one.
    let width = 1280;
    vi.spyOn(HTMLElement.prototype, 'offsetHeight', 'get').mockImplementation(function (this: HTMLElement) {
      return this.classList.contains('toaster') ? this.querySelectorAll('.toast').length * (width < 500 ? 96 : 52) : 0;
    });
    const added = vi.spyOn(window, 'addEventListener');
    const removed = vi.spyOn(window, 'removeEventListener');
    const resizeListeners = (spy: typeof added) => spy.mock.calls.filter(([type]) => type === 'resize').map(([, listener]) => listener);
    const resizeTo = (next: number) =>
      act(() => {
        width = next;
        window.dispatchEvent(new Event('resize'));
      });
    const room = () => document.documentElement.style.getPropertyValue('--toasts-room');
    render(<Toaster />);
    expect(resizeListeners(added)).toEqual([]);

    let id = 0;
    act(() => {
      id = showToast({ message: 'Deleted “Quarterly report for the board”.', tone: 'info', duration });
    });
    // Its height, the 16 px gap below it and 8 px for a focus ring.
    expect(room()).toBe('76px');

    resizeTo(390);
    expect(room()).toBe('120px');
    resizeTo(1280);
    expect(room()).toBe('76px');

    // None left: no room, and nothing listens to the window any more.
    act(() => dismissToast(id));
    expect(room()).toBe('');
    expect(resizeListeners(added).length).toBeGreaterThan(0);
    expect(resizeListeners(removed)).toEqual(resizeListeners(added));
  });
});

// A toast's time runs only while a toaster shows it: "Your account was deleted." is shown before the sign-in page's
// lazy chunk (and the toaster in it) has loaded.
describe('toast time, only while a toaster is on screen', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const passes = (ms: number) => act(() => vi.advanceTimersByTime(ms));

  it('waits for a toaster however long none is mounted, then stays its full duration there and leaves', () => {
    const onExpire = vi.fn();
    showToast({ message: 'Your account was deleted.', onExpire });
    passes(60 * TOAST_MS.success);
    expect(onExpire).not.toHaveBeenCalled();

    render(<Toaster />);
    passes(TOAST_MS.success - 1);
    expect(screen.getByText('Your account was deleted.')).toBeInTheDocument();
    expect(onExpire).not.toHaveBeenCalled();

    passes(1);
    expect(screen.queryByText('Your account was deleted.')).not.toBeInTheDocument();
    expect(onExpire).toHaveBeenCalledTimes(1);
  });

  it('stops the clock when the last toaster goes, keeping the time left, and runs it on when one mounts again', () => {
    const onExpire = vi.fn();
    const first = render(<Toaster />);
    const second = render(<Toaster />);
    act(() => {
      showToast({ message: 'Saved.', duration: 5_000, onExpire });
    });
    passes(1_000);
    // One toaster of two gone (layouts changing): the other still shows it, its time runs on.
    first.unmount();
    passes(1_000);
    second.unmount();
    passes(600_000);
    expect(onExpire).not.toHaveBeenCalled();

    render(<Toaster />);
    passes(2_999);
    expect(screen.getByText('Saved.')).toBeInTheDocument();
    passes(1);
    expect(screen.queryByText('Saved.')).not.toBeInTheDocument();
    expect(onExpire).toHaveBeenCalledTimes(1);
  });

  it('does not leave the toasts paused when the toaster goes away under the pointer', () => {
    const onExpire = vi.fn();
    const shown = render(<Toaster />);
    act(() => {
      showToast({ message: 'Saved.', duration: 5_000, onExpire });
    });
    act(() => {
      screen.getByRole('region', { name: 'Notifications' }).dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
    });
    passes(10_000);
    expect(onExpire).not.toHaveBeenCalled(); // paused while pointed at
    shown.unmount(); // e.g. a sign-in elsewhere changed the layout: no mouseleave comes

    render(<Toaster />);
    passes(5_000);
    expect(onExpire).toHaveBeenCalledTimes(1);
  });
});

describe('toast live regions', () => {
  it('say each new toast alone: neither region is atomic, and only additions are read', () => {
    render(<Toaster />);
    for (const region of [screen.getByRole('status'), screen.getByRole('alert')]) {
      expect(region).toHaveAttribute('aria-atomic', 'false');
      expect(region).toHaveAttribute('aria-relevant', 'additions');
    }
  });
});

// A modal dialog makes the rest of the page inert, the toasts with it: unseen by screen readers, out of reach of the
// keyboard (an Undo too). Their time stands still while one is open, and those that came meanwhile are put on screen
// anew once the last one closes, so that their live region, exposed again, reads them.
describe('toasts while a modal dialog is open', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const passes = (ms: number) => act(() => vi.advanceTimersByTime(ms));

  function Page({ dialogs }: { dialogs: number }) {
    return (
      <>
        <main id="main" tabIndex={-1} />
        <Toaster />
        {dialogs > 0 ? (
          <Dialog title="Edit task" onClose={() => undefined}>
            <button type="button">Inside</button>
            {dialogs > 1 ? (
              <Dialog title="Discard your changes?" onClose={() => undefined}>
                <button type="button">Keep editing</button>
              </Dialog>
            ) : null}
          </Dialog>
        ) : null}
      </>
    );
  }

  it('keeps them, their time standing still, until the last dialog closes; those raised meanwhile are shown anew', () => {
    const expired: string[] = [];
    const shown = render(<Page dialogs={0} />);
    act(() => {
      showToast({ message: 'Deleted “A”.', tone: 'info', duration: 5_000, onExpire: () => expired.push('A'), action: { label: 'Undo', run: vi.fn() } });
    });
    passes(1_000);
    const before = screen.getByText('Deleted “A”.').closest('.toast');

    shown.rerender(<Page dialogs={1} />);
    act(() => {
      showToast({ message: 'Could not delete “B”.', tone: 'error', duration: 10_000, onExpire: () => expired.push('B') });
    });
    const failure = screen.getByText('Could not delete “B”.').closest('.toast');
    shown.rerender(<Page dialogs={2} />);
    passes(60_000);
    shown.rerender(<Page dialogs={1} />); // the one above closes: one is still open
    passes(60_000);
    expect(expired).toEqual([]);
    expect(screen.getByText('Deleted “A”.')).toBeInTheDocument();
    expect(screen.getByText('Could not delete “B”.').closest('.toast')).toBe(failure);

    shown.rerender(<Page dialogs={0} />);
    // The one seen before the dialog opened stays as it was; the one raised behind it is new in its live region.
    expect(screen.getByText('Deleted “A”.').closest('.toast')).toBe(before);
    const again = screen.getByText('Could not delete “B”.').closest('.toast');
    expect(again).not.toBe(failure);
    expect(screen.getByRole('alert')).toContainElement(again as HTMLElement);

    // Their time runs on from where it stood.
    passes(3_999);
    expect(expired).toEqual([]);
    passes(1);
    expect(expired).toEqual(['A']);
    passes(6_000);
    expect(expired).toEqual(['A', 'B']);
    // Shown anew once only.
    expect(screen.queryByText('Could not delete “B”.')).not.toBeInTheDocument();
  });

  it('does not show anew a toast raised as the dialog closes (a save that closes its dialog)', () => {
    function Saving() {
      const [open, setOpen] = useState(true);
      return (
        <>
          <Toaster />
          {open ? (
            <Dialog title="Edit task" onClose={() => setOpen(false)}>
              <button
                type="button"
                onClick={() => {
                  showToast({ message: 'Saved “A”.' });
                  setOpen(false);
                }}
              >
                Save
              </button>
            </Dialog>
          ) : null}
        </>
      );
    }
    render(<Saving />);
    act(() => screen.getByRole('button', { name: 'Save' }).click());
    const saved = screen.getByText('Saved “A”.').closest('.toast');
    passes(0);
    expect(screen.getByText('Saved “A”.').closest('.toast')).toBe(saved);
    passes(TOAST_MS.success);
    expect(screen.queryByText('Saved “A”.')).not.toBeInTheDocument();
  });
});
