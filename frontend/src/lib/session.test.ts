import { afterEach, describe, expect, it } from 'vitest';
import { getSession, resetSessionForTests, updateSessionUser } from '@/lib/session';
import { user as ada } from '@/testing/fixtures';

const grace = { id: 'u-2', email: 'grace@example.com', name: 'Grace Hopper', date_joined: '2026-02-01T10:00:00Z', email_verified: true };

afterEach(() => resetSessionForTests());

describe('updateSessionUser', () => {
  it('takes the signed-in account’s new details', () => {
    resetSessionForTests({ status: 'authenticated', user: ada });

    updateSessionUser({ ...ada, name: 'Ada King' });

    expect(getSession()).toEqual({ status: 'authenticated', user: { ...ada, name: 'Ada King' } });
  });

  it('ignores another account’s: a profile save answered after this tab switched accounts', () => {
    resetSessionForTests({ status: 'authenticated', user: grace });

    updateSessionUser({ ...ada, name: 'Ada King' });

    expect(getSession()).toEqual({ status: 'authenticated', user: grace });
  });

  it('signs nobody in', () => {
    resetSessionForTests({ status: 'anonymous', reason: 'signed-out' });

    updateSessionUser(ada);

    expect(getSession()).toEqual({ status: 'anonymous', reason: 'signed-out' });
  });
});
