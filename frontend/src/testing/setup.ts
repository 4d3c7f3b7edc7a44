import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { resetApiClientForTests } from '@/lib/api-client';
import { queryClient } from '@/lib/query-client';
import { resetSessionForTests } from '@/lib/session';
import { server } from '@/testing/server';

// Lazy route chunks load on first use; on a busy 2-core machine that can take over a second.
configure({ asyncUtilTimeout: 5000 });

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  cleanup();
  server.resetHandlers();
  queryClient.clear();
  resetApiClientForTests();
  resetSessionForTests();
});
afterAll(() => server.close());
