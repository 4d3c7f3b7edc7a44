import { http, HttpResponse } from 'msw';
import { vi } from 'vitest';
import type { ConnectedIdentity } from '@/lib/oidc';
import { API } from '@/testing/server';

export const GOOGLE = { id: 'google', name: 'Google' };
export const MICROSOFT = { id: 'microsoft', name: 'Microsoft' };

/** GET /auth/oidc/providers/ answering these providers (the default answer, src/testing/server.ts, is none). */
export function oidcProviders(providers = [GOOGLE]) {
  return http.get(`${API}/auth/oidc/providers/`, () => HttpResponse.json({ providers }));
}

export function identity(overrides: Partial<ConnectedIdentity> = {}): ConnectedIdentity {
  return {
    id: 'identity-1',
    provider: 'google',
    provider_name: 'Google',
    email: 'ada@gmail.example',
    created_at: '2026-11-02T10:00:00Z',
    last_used_at: null,
    ...overrides,
  };
}

/** GET /auth/oidc/identities/ answering these (the default answer is none, with a password). */
export function oidcIdentities(identities: ConnectedIdentity[], hasPassword = true) {
  return http.get(`${API}/auth/oidc/identities/`, () => HttpResponse.json({ has_password: hasPassword, identities }));
}

/**
 * The addresses the page sent the browser to with `location.assign` (jsdom cannot leave the page): the rest of
 * `location` is the real one. The test file unstubs it after each test (vi.unstubAllGlobals).
 */
export function capturePageLeaves(): string[] {
  const left: string[] = [];
  const real = window.location;
  vi.stubGlobal(
    'location',
    // Over an empty object: the real one's `assign` cannot be answered for (a proxy must not hide a fixed property).
    new Proxy(
      {},
      {
        get(_, key) {
          if (key === 'assign') return (url: string | URL) => left.push(String(url));
          const value: unknown = Reflect.get(real, key);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(real) : value;
        },
      },
    ),
  );
  return left;
}
