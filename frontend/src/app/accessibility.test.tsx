import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { makeTask, page } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { isolating } from '@/testing/isolating';
import { API, server } from '@/testing/server';

const stats = { total: 0, by_status: { todo: 0, in_progress: 0, done: 0 }, by_priority: { low: 0, medium: 0, high: 0 }, overdue: 0, completed_per_day: [] };

describe('navigation', () => {
  it('gives every route its own title and moves the focus to the new page’s heading', async () => {
    server.use(
      http.get(`${API}/tasks/stats/`, () => HttpResponse.json(stats)),
      http.get(`${API}/tasks/`, () => HttpResponse.json(page([]))),
    );
    renderApp('/');
    const user = userEvent.setup();
    await screen.findByRole('heading', { level: 1, name: 'Hello, Ada' });
    expect(screen.getByText(isolating('Hello, Ada', 'Ada'))).toBeInTheDocument(); // the user's name, isolated
    expect(document.title).toBe('Dashboard · Scalable Auth Dashboard');

    await user.click(screen.getByRole('link', { name: 'Tasks' }));

    const heading = await screen.findByRole('heading', { level: 1, name: 'Tasks' });
    await waitFor(() => expect(heading).toHaveFocus());
    expect(document.title).toBe('Tasks · Scalable Auth Dashboard');
  });

  it('keeps the focus where it is when only the query string changes (the filters)', async () => {
    server.use(http.get(`${API}/tasks/`, () => HttpResponse.json(page([makeTask({ title: 'One' })]))));
    renderApp('/tasks');
    const user = userEvent.setup();
    await screen.findByText('One');

    await user.selectOptions(screen.getByLabelText('Status'), 'done');

    expect(screen.getByLabelText('Status')).toHaveFocus();
  });

  it.each([
    ['/login', 'Sign in'],
    ['/register', 'Create your account'],
    ['/forgot-password', 'Reset your password'],
    ['/reset-password?uid=a&token=b', 'Choose a new password'],
    ['/verify-email', 'Verify your email'],
    ['/confirm-email-change', 'Confirm your new email'],
    ['/no/such/page', 'Page not found'],
  ])('titles %s "%s"', async (path, title) => {
    renderApp(path, { as: 'anonymous' });
    await screen.findByRole('heading', { level: 1, name: title });
    expect(document.title).toBe(`${title} · Scalable Auth Dashboard`);
  });
});

describe('forms', () => {
  it('move the focus to the first invalid field when the check before sending fails', async () => {
    renderApp('/register', { as: 'anonymous' });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Email'), 'not-an-email');
    await user.type(screen.getByLabelText('Password'), 'short');

    await user.click(screen.getByRole('button', { name: 'Create account' }));

    expect(screen.getByLabelText('Email')).toHaveFocus();
  });

  it('move the focus to the first field the API refused', async () => {
    server.use(http.post(`${API}/auth/register/`, () => HttpResponse.json({ password: ['This password is too common.'] }, { status: 400 })));
    renderApp('/register', { as: 'anonymous' });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'password123');

    await user.click(screen.getByRole('button', { name: 'Create account' }));

    await waitFor(() => expect(screen.getByLabelText('Password')).toHaveFocus());
  });

  it('announce errors in a live region that was in the page before them', async () => {
    server.use(
      http.post(`${API}/auth/login/`, () => HttpResponse.json({ detail: 'Invalid email or password.', code: 'authentication_failed' }, { status: 401 })),
    );
    renderApp('/login', { as: 'anonymous' });
    const user = userEvent.setup();
    const form = (await screen.findByRole('button', { name: 'Sign in' })).closest('form')!;
    const region = within(form).getByRole('alert');
    expect(region).toBeEmptyDOMElement();

    await user.type(screen.getByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    await waitFor(() => expect(region).toHaveTextContent('Invalid email or password.'));
    expect(within(form).getByRole('alert')).toBe(region);
  });

  it('keep a busy submit button focusable (aria-disabled), and a second press sends nothing', async () => {
    let logins = 0;
    server.use(
      http.post(`${API}/auth/login/`, async () => {
        logins += 1;
        return new Promise(() => undefined);
      }),
    );
    renderApp('/login', { as: 'anonymous' });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'secret');

    await user.keyboard('{Enter}');
    const busy = await screen.findByRole('button', { name: 'Signing in…' });
    expect(busy).toHaveAttribute('aria-disabled', 'true');
    expect(busy).toBeEnabled();
    await waitFor(() => expect(logins).toBe(1));
    busy.focus();
    await user.keyboard('{Enter}');
    await user.click(busy);

    expect(busy).toHaveFocus();
    expect(logins).toBe(1);
  });
});

describe('dialogs', () => {
  it('are native <dialog>s opened with showModal(), so the browser makes the page behind them inert', async () => {
    const showModal = vi.spyOn(HTMLDialogElement.prototype, 'showModal');
    server.use(http.get(`${API}/tasks/`, () => HttpResponse.json(page([]))));
    renderApp('/tasks');
    const user = userEvent.setup();

    await user.click((await screen.findAllByRole('button', { name: 'New task' }))[0]!);

    const dialog = screen.getByRole('dialog', { name: 'New task' });
    expect(dialog.tagName).toBe('DIALOG');
    expect(showModal).toHaveBeenCalledTimes(1);
    expect(dialog).toHaveAttribute('open');
    expect(within(dialog).getByLabelText('Title')).toHaveFocus();

    await act(() => user.click(within(dialog).getByRole('button', { name: 'Close' })));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });
});
