import type { Task } from '@/features/tasks/types';
import type { components } from '@/types/api';
import type { User } from '@/types/user';

export const user: User = { id: 'u-1', email: 'ada@example.com', name: 'Ada Lovelace', date_joined: '2026-01-02T10:00:00Z', email_verified: true };

let counter = 0;
/** What the MFA status says the browser files the account's passkeys under (GET /auth/mfa/ `webauthn`). */
export const webauthnAccount = { rp_id: 'localhost', user_handle: 'AAECAwQFBgcICQoLDA0ODw', user_name: user.email, user_display_name: user.name, registration_pending: false };

/** GET /auth/mfa/ as the API documents it (its OpenAPI schema), not as the SPA parses it: a drift fails tsc here. */
export type MfaStatusResponse = components['schemas']['MfaStatusOutput'];

/**
 * The MFA status of an account with no second factor, in a session just signed in with its password (aal 1);
 * `overrides` replace whole top-level fields (e.g. `session`, `totp`).
 */
export function mfaStatus(overrides: Partial<MfaStatusResponse> = {}): MfaStatusResponse {
  return {
    mfa_enabled: false,
    email_confirmation_required: false,
    totp: { enabled: false, pending: false, confirmed_at: null },
    recovery_codes: { remaining: 0, total: 0 },
    passkeys: [],
    webauthn: webauthnAccount,
    session: { amr: ['pwd'], aal: 1, authenticated_at: new Date().toISOString(), reauthenticated_until: null },
    ...overrides,
  };
}

export function makeTask(overrides: Partial<Task> = {}): Task {
  counter += 1;
  return {
    id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    title: `Task ${counter}`,
    description: '',
    status: 'todo',
    priority: 'medium',
    due_date: null,
    completed_at: null,
    created_at: '2026-11-01T10:00:00Z',
    updated_at: '2026-11-01T10:00:00Z',
    ...overrides,
  };
}

export function page<T>(results: T[]) {
  return { count: results.length, next: null, previous: null, results };
}

/** A JWT-shaped access token carrying `claims` (unsigned: the SPA only reads the account id from it). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.signature`;
}
