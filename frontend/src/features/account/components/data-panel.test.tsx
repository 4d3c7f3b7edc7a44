import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { listenAuth } from '@/lib/auth-channel';
import { getSession } from '@/lib/session';
import { renderApp, renderSignedIn } from '@/testing/render';
import { noPendingEmailChange } from '@/testing/account-page-api';
import { isolating } from '@/testing/isolating';
import { API, server } from '@/testing/server';
import { DataPanel } from '@/features/account/components/data-panel';

const EXPORT = { user: { email: 'ada@example.com' }, tasks: [{ title: 'Write the notes' }] };

describe('download my data', () => {
  it('downloads the export through the API client and saves it under the server name', async () => {
    const auth: (string | null)[] = [];
    server.use(
      http.get(`${API}/auth/me/export/`, ({ request }) => {
        auth.push(request.headers.get('Authorization'));
        return new HttpResponse(JSON.stringify(EXPORT), {
          headers: { 'Content-Type': 'application/json', 'Content-Disposition': 'attachment; filename="account-u-1.json"' },
        });
      }),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
      noPendingEmailChange,
    );
    const saved: Blob[] = [];
    const createObjectURL = vi.fn((blob: Blob) => {
      saved.push(blob);
      return 'blob:export';
    });
    const revokeObjectURL = vi.fn();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    const clicks: { href: string; download: string }[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push({ href: this.getAttribute('href') ?? '', download: this.download });
    });
    renderSignedIn(<DataPanel />);
    const user = userEvent.setup();

    await user.click(screen.getByRole('button', { name: 'Download my data' }));

    expect(await screen.findByText('Downloaded account-u-1.json.')).toBeInTheDocument();
    expect(auth).toEqual(['Bearer access-1']);
    expect(clicks).toEqual([{ href: 'blob:export', download: 'account-u-1.json' }]);
    expect(JSON.parse(await saved[0]!.text())).toEqual(EXPORT);
    await waitFor(() => expect(revokeObjectURL).toHaveBeenCalledWith('blob:export'));
    expect(document.querySelector('a[download]')).toBeNull();
  });

  it('says why the download failed', async () => {
    server.use(
      http.get(`${API}/auth/me/export/`, () => HttpResponse.json({ detail: 'Slow down.', code: 'throttled' }, { status: 429 })),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
      noPendingEmailChange,
    );
    renderSignedIn(<DataPanel />);
    const user = userEvent.setup();

    await user.click(screen.getByRole('button', { name: 'Download my data' }));
    expect(await screen.findByText('Could not download your data. Too many requests. Wait a little and try again.')).toBeInTheDocument();
  });
});

describe('delete account', () => {
  function answerDelete(answer: () => Response) {
    const bodies: unknown[] = [];
    server.use(
      http.delete(`${API}/auth/me/`, async ({ request }) => {
        bodies.push(await request.json());
        return answer();
      }),
    );
    return bodies;
  }

  async function openDialog() {
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Delete account…' }));
    return { user, dialog: screen.getByRole('alertdialog', { name: 'Delete your account?' }) };
  }

  it('keeps the delete button unavailable until the address is typed exactly', async () => {
    const bodies = answerDelete(() => new HttpResponse(null, { status: 204 }));
    renderSignedIn(<DataPanel />);
    const { user, dialog } = await openDialog();
    const confirmField = within(dialog).getByLabelText('Your email address');
    const button = within(dialog).getByRole('button', { name: 'Delete my account' });

    expect(confirmField).toHaveFocus();
    expect(button).toHaveAttribute('aria-disabled', 'true');
    await user.type(confirmField, 'ADA@example.com');
    await user.type(within(dialog).getByLabelText('Current password'), 'secret pass');
    expect(button).toHaveAttribute('aria-disabled', 'true');

    // Pressed anyway: nothing is sent, and the field says why and takes the focus.
    await user.click(button);
    expect(bodies).toEqual([]);
    expect(confirmField).toHaveAccessibleDescription('Type your email address exactly as shown. Exactly ada@example.com');
    // The address in the hint and in the dialog's description is isolated (an address may be written right to left).
    expect(within(dialog).getByText(isolating('Exactly ada@example.com', 'ada@example.com'))).toBeInTheDocument();
    expect(within(dialog).getByText(isolating(/To confirm, type ada@example\.com and your current password\./, 'ada@example.com'))).toBeInTheDocument();
    expect(confirmField).toHaveFocus();

    await user.clear(confirmField);
    await user.type(confirmField, 'ada@example.com');
    expect(button).not.toHaveAttribute('aria-disabled');
  });

  it('asks for the address with the email keyboard on a phone, as typed (not an email input the browser rewrites)', async () => {
    renderSignedIn(<DataPanel />);
    const { dialog } = await openDialog();
    const confirmField = within(dialog).getByLabelText('Your email address');

    expect(confirmField).toHaveAttribute('inputmode', 'email');
    expect((confirmField as HTMLInputElement).type).toBe('text');
    expect(confirmField).toHaveAttribute('autocapitalize', 'off');
    expect(confirmField).toHaveAttribute('spellcheck', 'false');
  });

  it('shows a wrong password next to its field and keeps the account', async () => {
    const bodies = answerDelete(() => HttpResponse.json({ current_password: ['The current password is not correct.'] }, { status: 400 }));
    renderSignedIn(<DataPanel />);
    const { user, dialog } = await openDialog();

    await user.type(within(dialog).getByLabelText('Your email address'), 'ada@example.com');
    await user.type(within(dialog).getByLabelText('Current password'), 'wrong');
    await user.click(within(dialog).getByRole('button', { name: 'Delete my account' }));

    expect(await within(dialog).findByText('The current password is not correct.')).toBeInTheDocument();
    expect(within(dialog).getByLabelText('Current password')).toHaveFocus();
    expect(bodies).toEqual([{ current_password: 'wrong' }]);
    expect(getSession().status).toBe('authenticated');
  });

  it('closes on Cancel without sending anything', async () => {
    renderSignedIn(<DataPanel />);
    const { user, dialog } = await openDialog();
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
  });

  it('cannot be cancelled while the account is being deleted', async () => {
    let answer: ((response: Response) => void) | undefined;
    const bodies: unknown[] = [];
    server.use(
      http.delete(`${API}/auth/me/`, async ({ request }) => {
        bodies.push(await request.json());
        return new Promise<Response>((resolve) => {
          answer = resolve;
        });
      }),
    );
    renderSignedIn(<DataPanel />);
    const { user, dialog } = await openDialog();
    await user.type(within(dialog).getByLabelText('Your email address'), 'ada@example.com');
    await user.type(within(dialog).getByLabelText('Current password'), 'wrong');
    await user.click(within(dialog).getByRole('button', { name: 'Delete my account' }));
    await within(dialog).findByRole('button', { name: 'Deleting…' });
    await waitFor(() => expect(answer).toBeDefined());

    // "Cancel" would not stop the request: the account would go right after the user cancelled.
    const cancel = within(dialog).getByRole('button', { name: 'Cancel' });
    expect(cancel).toHaveAttribute('aria-disabled', 'true');
    await user.click(cancel);
    expect(screen.getByRole('alertdialog', { name: 'Delete your account?' })).toBe(dialog);

    // Once the answer is in (here, a wrong password), Cancel works again.
    answer?.(HttpResponse.json({ current_password: ['The current password is not correct.'] }, { status: 400 }));
    expect(await within(dialog).findByText('The current password is not correct.')).toBeInTheDocument();
    expect(cancel).not.toHaveAttribute('aria-disabled');
    await user.click(cancel);
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(bodies).toEqual([{ current_password: 'wrong' }]);
  });

  it('deletes the account, signs out every tab and lands on the sign-in page with a toast', async () => {
    const bodies = answerDelete(() => new HttpResponse(null, { status: 204 }));
    server.use(
      http.get(`${API}/auth/sessions/`, () => HttpResponse.json([])),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
      noPendingEmailChange,
    );
    const heard: unknown[] = [];
    const stop = listenAuth((message) => heard.push(message));
    const otherTab = new BroadcastChannel('sad-auth');
    otherTab.onmessage = (event) => heard.push(event.data);
    const app = renderApp('/account');
    const { user, dialog } = await openDialog();

    await user.type(within(dialog).getByLabelText('Your email address'), 'ada@example.com');
    await user.type(within(dialog).getByLabelText('Current password'), 'secret pass');
    await user.click(within(dialog).getByRole('button', { name: 'Delete my account' }));

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(app.location()).toBe('/login');
    expect(screen.getByText('Your account was deleted.')).toBeInTheDocument();
    expect(getSession()).toEqual({ status: 'anonymous', reason: 'signed-out' });
    expect(bodies).toEqual([{ current_password: 'secret pass' }]);
    await waitFor(() => expect(heard).toContainEqual({ type: 'signed-out' }));
    stop();
    otherTab.close();
  });
});
