import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import { Toaster } from '@/components/toaster';
import { updateSessionUser } from '@/lib/session';
import { user as ada } from '@/testing/fixtures';
import { isolating } from '@/testing/isolating';
import { renderSignedIn } from '@/testing/render';
import { API, server } from '@/testing/server';
import { EmailPanel } from '@/features/account/components/email-panel';

function renderPanel(verified: boolean) {
  const view = renderSignedIn(<EmailPanel />);
  act(() => updateSessionUser({ ...ada, email_verified: verified }));
  return view;
}

const PENDING = `${API}/auth/email/change/pending/`;
const pendingChange = {
  new_email: 'ada@new.example',
  requested_at: '2026-11-01T10:00:00Z',
  expires_at: '2026-11-04T10:00:00Z',
};

describe('email panel', () => {
  beforeEach(() => {
    server.use(http.get(PENDING, () => HttpResponse.json({ pending: null })));
  });

  it('shows a verified address without a resend button', () => {
    renderSignedIn(<EmailPanel />);
    expect(screen.getByText('ada@example.com')).toBeInTheDocument();
    expect(screen.getByText('Verified')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Resend verification email' })).not.toBeInTheDocument();
  });

  it('marks an unverified address and resends its link', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post(`${API}/auth/email/verify/resend/`, async ({ request }) => {
        bodies.push(await request.json());
        return new HttpResponse(null, { status: 202 });
      }),
    );
    renderPanel(false);
    const user = userEvent.setup();

    expect(await screen.findByText('Not verified')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Resend verification email' }));
    expect(await screen.findByText(isolating('A new link is on its way to ada@example.com. It may take a minute to arrive.', 'ada@example.com'))).toBeInTheDocument();
    expect(bodies).toEqual([{ email: 'ada@example.com' }]);
  });

  it('asks for a change and says a link was sent if the address can be used', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post(`${API}/auth/email/change/`, async ({ request }) => {
        bodies.push(await request.json());
        return new HttpResponse(null, { status: 202 });
      }),
    );
    renderSignedIn(<EmailPanel />);
    const user = userEvent.setup();

    await user.type(screen.getByLabelText('New email'), 'ada@new.example');
    await user.type(screen.getByLabelText('Current password'), 'secret pass');
    await user.click(screen.getByRole('button', { name: 'Send confirmation link' }));

    expect(await screen.findByText(isolating(/If ada@new.example can be used, a link was sent to it\./, 'ada@new.example'))).toBeInTheDocument();
    expect(bodies).toEqual([{ new_email: 'ada@new.example', current_password: 'secret pass' }]);
    expect(screen.getByLabelText('New email')).toHaveValue('');
    expect(screen.getByLabelText('Current password')).toHaveValue('');
  });

  it('checks the fields first, then shows the API field errors and focuses the first', async () => {
    server.use(
      http.post(`${API}/auth/email/change/`, () =>
        HttpResponse.json({ current_password: ['The current password is not correct.'] }, { status: 400 }),
      ),
    );
    renderSignedIn(<EmailPanel />);
    const user = userEvent.setup();

    await user.click(screen.getByRole('button', { name: 'Send confirmation link' }));
    // Empty: what is missing, not "a valid address".
    expect(screen.getByLabelText('New email')).toHaveAccessibleDescription('Enter the new email address.');
    expect(screen.getByLabelText('New email')).toHaveFocus();

    await user.type(screen.getByLabelText('New email'), 'ada@new.example');
    await user.type(screen.getByLabelText('Current password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Send confirmation link' }));
    expect(await screen.findByText('The current password is not correct.')).toBeInTheDocument();
    expect(screen.getByLabelText('Current password')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Current password')).toHaveFocus();
    expect(screen.queryByText(/a link was sent/)).not.toBeInTheDocument();
  });

  it('shows a pending change, cancels it, and says so', async () => {
    let pending: typeof pendingChange | null = pendingChange;
    let cancels = 0;
    server.use(
      http.get(PENDING, () => HttpResponse.json({ pending })),
      http.delete(PENDING, () => {
        cancels += 1;
        pending = null;
        return new HttpResponse(null, { status: 204 });
      }),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
    );
    renderSignedIn(
      <>
        <EmailPanel />
        <Toaster />
      </>,
    );
    const user = userEvent.setup();

    expect(await screen.findByText(isolating(/Pending change to/, 'ada@new.example'))).toHaveTextContent('Pending change to ada@new.example, asked');
    expect(screen.getByText(/the link sent to it works until/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Cancel this change' }));

    expect(await screen.findByText(isolating('Email change to ada@new.example cancelled.', 'ada@new.example'))).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText(/Pending change to/)).not.toBeInTheDocument());
    expect(cancels).toBe(1);
  });

  it('shows the pending change once a change is asked', async () => {
    let pending: typeof pendingChange | null = null;
    server.use(
      http.get(PENDING, () => HttpResponse.json({ pending })),
      http.post(`${API}/auth/email/change/`, () => {
        pending = pendingChange;
        return new HttpResponse(null, { status: 202 });
      }),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
    );
    renderSignedIn(<EmailPanel />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('New email'), 'ada@new.example');
    await user.type(screen.getByLabelText('Current password'), 'secret pass');
    await user.click(screen.getByRole('button', { name: 'Send confirmation link' }));

    expect(await screen.findByText(/Pending change to/)).toHaveTextContent('ada@new.example');
  });

  it('says when a cancellation failed and keeps the change shown', async () => {
    server.use(
      http.get(PENDING, () => HttpResponse.json({ pending: pendingChange })),
      http.delete(PENDING, () => HttpResponse.json({ detail: 'Malformed request.', code: 'parse_error' }, { status: 400 })),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
    );
    renderSignedIn(<EmailPanel />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Cancel this change' }));

    expect(await screen.findByText('Could not cancel the change. Malformed request.')).toBeInTheDocument();
    expect(screen.getByText(/Pending change to/)).toBeInTheDocument();
  });
});
