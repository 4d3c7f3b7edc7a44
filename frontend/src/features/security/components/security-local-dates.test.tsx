import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { saveFile } from '@/lib/download';
import { formatDate } from '@/lib/format';
import { mfaStatus } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import { RecoveryCodesDialog } from '@/features/security/components/recovery-codes-dialog';

// A browser in New York, from before any module loads: the date formatters (lib/format.ts) take the zone the
// browser has when they are made, as they do in a browser.
const zoneBefore = vi.hoisted(() => {
  const before = process.env.TZ;
  process.env.TZ = 'America/New_York';
  return before;
});
afterAll(() => {
  if (zoneBefore === undefined) delete process.env.TZ;
  else process.env.TZ = zoneBefore;
});
afterEach(() => vi.useRealTimers());

vi.mock('@/lib/download', () => ({ saveFile: vi.fn() }));

// 21:00 on Dec 1 in New York, already Dec 2 in UTC.
const EVENING = '2026-12-02T02:00:00Z';

it('the test runs where the local date and UTC’s differ', () => {
  expect(new Date(EVENING).getDate()).toBe(1);
  expect(formatDate('2026-12-01')).not.toBe(formatDate('2026-12-02'));
});

describe('the authenticator app', () => {
  it('says since which day it is on, that day where the user is (not the UTC date of the instant)', async () => {
    server.use(http.get(`${API}/auth/mfa/`, () => HttpResponse.json(mfaStatus({ mfa_enabled: true, totp: { enabled: true, pending: false, confirmed_at: EVENING } }))));
    renderApp('/security');

    const panel = await screen.findByRole('region', { name: 'Authenticator app' });
    expect(within(panel).getByText(`Signing in asks for a code from your app after your password (on since ${formatDate('2026-12-01')}).`)).toBeInTheDocument();
  });
});

describe('the recovery codes file', () => {
  it('says on which day it was made, that day where the user is (YYYY-MM-DD), not UTC’s', async () => {
    vi.useFakeTimers({ now: new Date(EVENING), toFake: ['Date'] });
    render(<RecoveryCodesDialog codes={['aaaa-bbbb', 'cccc-dddd']} onDone={() => undefined} />);
    const user = userEvent.setup();

    await user.click(screen.getByRole('button', { name: 'Download as .txt' }));

    expect(saveFile).toHaveBeenCalledTimes(1);
    const [file, name] = vi.mocked(saveFile).mock.calls[0]!;
    expect(name).toBe('recovery-codes.txt');
    expect(await file.text()).toBe(`Recovery codes for ${window.location.host}\nEach code works once. Generated 2026-12-01.\n\naaaa-bbbb\ncccc-dddd\n`);
  });
});
