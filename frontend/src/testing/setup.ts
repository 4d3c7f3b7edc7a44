import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { resetApiClientForTests } from '@/lib/api-client';
import { queryClient } from '@/lib/query-client';
import { resetSessionForTests } from '@/lib/session';
import { server } from '@/testing/server';

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  cleanup();
  server.resetHandlers();
  queryClient.clear();
  resetApiClientForTests();
  resetSessionForTests();
});
afterAll(() => server.close());
