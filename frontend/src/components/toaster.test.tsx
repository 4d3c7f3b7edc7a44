import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { Toaster } from '@/components/toaster';
import { dismissToast, MAX_TOASTS, showToast } from '@/lib/toasts';

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
