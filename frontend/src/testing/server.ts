import { setupServer } from 'msw/node';

/** The mock API; each test adds the handlers it needs with server.use(...). */
export const server = setupServer();

export const API = 'http://localhost:3000/api';

/**
 * Requests no handler answered during the current test; the test setup fails the test when any is
 * left after it (src/testing/setup.ts), even if the app shrugged the failed request off.
 */
export const unhandledRequests: string[] = [];

server.events.on('request:unhandled', ({ request }) => {
  unhandledRequests.push(`${request.method} ${request.url}`);
});
