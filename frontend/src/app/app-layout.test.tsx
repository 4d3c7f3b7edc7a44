import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

/** The dashboard, its statistics never answered: only the layout around it matters here. */
function renderLayout() {
  server.use(http.get(`${API}/tasks/stats/`, () => new Promise(() => undefined)));
  renderApp('/');
  return userEvent.setup();
}

describe('top bar', () => {
  it("shows the user's name, whole in its title (the bar cuts a long one with an ellipsis to stay on one row)", async () => {
    renderLayout();

    const name = await screen.findByText('Ada Lovelace', { selector: '.topbar__name' });
    expect(name).toHaveAttribute('title', 'Ada Lovelace (ada@example.com)');
  });

  // From 641 to 1023 px the user's controls fold behind the Menu button (styles.css shows it there only); the browser
  // test checks the layout. Here: the button discloses them, and the keyboard and the focus work as expected.
  it('folds the shortcuts, theme, name and Sign out behind a Menu button that says whether it is open', async () => {
    const user = renderLayout();

    const toggle = await screen.findByRole('button', { name: 'Menu' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    const panel = document.getElementById(toggle.getAttribute('aria-controls')!)!;
    expect(panel).not.toHaveClass('topbar__menu--open');
    // Every control stays in the page (and named), whatever the width: CSS only decides where they show.
    expect(within(panel).getByRole('button', { name: 'Shortcuts' })).toBeInTheDocument();
    expect(within(panel).getByRole('combobox', { name: 'Theme' })).toBeInTheDocument();
    expect(within(panel).getByText('Ada Lovelace')).toBeInTheDocument();
    expect(within(panel).getByRole('button', { name: 'Sign out' })).toBeInTheDocument();

    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    expect(panel).toHaveClass('topbar__menu--open');
    await user.tab();
    expect(within(panel).getByRole('button', { name: 'Shortcuts' })).toHaveFocus();

    // Escape closes it and gives the focus back to the button.
    await user.keyboard('{Escape}');
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(panel).not.toHaveClass('topbar__menu--open');
    expect(toggle).toHaveFocus();
  });

  it('closes the menu when the focus moves on past it, or on a click elsewhere', async () => {
    const user = renderLayout();
    const toggle = await screen.findByRole('button', { name: 'Menu' });
    // The page too, whose chunk loads on first use (this test run first or alone): the Tab below moves on into it, and
    // the click lands on its heading. Without it, that Tab finds nothing after the menu and the focus goes nowhere,
    // which the menu leaves to a click elsewhere (user-menu.tsx, onBlur): it stays open.
    await screen.findByRole('heading', { level: 1, name: 'Hello, Ada' });

    await user.click(toggle);
    screen.getByRole('button', { name: 'Sign out' }).focus();
    await user.tab();
    expect(toggle).toHaveAttribute('aria-expanded', 'false');

    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await user.click(screen.getByRole('heading', { level: 1 }));
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
  });

  it('stays open under the shortcuts help opened from it, so that the focus comes back to its Shortcuts button', async () => {
    const user = renderLayout();
    const toggle = await screen.findByRole('button', { name: 'Menu' });

    await user.click(toggle);
    const shortcuts = screen.getByRole('button', { name: 'Shortcuts' });
    await user.click(shortcuts);
    const help = await screen.findByRole('dialog', { name: 'Keyboard shortcuts' });
    await user.click(within(help).getByLabelText('Use single-key shortcuts on this device'));
    await user.click(within(help).getByLabelText('Use single-key shortcuts on this device'));
    expect(toggle).toHaveAttribute('aria-expanded', 'true');

    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(shortcuts).toHaveFocus();
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
  });
});
