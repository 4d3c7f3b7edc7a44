import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';

export const API = 'http://localhost:3000/api';

/**
 * What every test finds unless it says otherwise (server.use): a server with no OpenID Connect provider configured,
 * the account having a password and no provider's account connected. The sign-in pages and the account page ask
 * for these whatever a test is about; a test about them answers them itself.
 */
const defaults = [
  http.get(`${API}/auth/oidc/providers/`, () => HttpResponse.json({ providers: [] })),
  http.get(`${API}/auth/oidc/identities/`, () => HttpResponse.json({ has_password: true, identities: [] })),
];

/** The mock API; each test adds the handlers it needs with server.use(...). */
export const server = setupServer(...defaults);

/**
 * Requests no handler answered during the current test; the test setup fails the test when any is
 * left after it (src/testing/setup.ts), even if the app shrugged the failed request off.
 */
export const unhandledRequests: string[] = [];

server.events.on('request:unhandled', ({ request }) => {
  unhandledRequests.push(`${request.method} ${request.url}`);
});
