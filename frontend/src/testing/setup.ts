import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { resetApiClientForTests } from '@/lib/api-client';
import { resetTimeZonesForTests } from '@/lib/browser-time-zone';
import { queryClient } from '@/lib/query-client';
import { resetSessionForTests } from '@/lib/session';
import { resetTabStorageForTests } from '@/lib/tab-storage';
import { resetToastsForTests } from '@/lib/toasts';
import { resetSingleUseLinksForTests } from '@/lib/use-single-use-link';
import { resetDeletesForTests } from '@/features/tasks/delete-with-undo';
import { server, unhandledRequests } from '@/testing/server';

// Lazy route chunks load on first use; on a busy 2-core machine that can take over a second.
configure({ asyncUtilTimeout: 5000 });

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
// One hook, in this order (vitest runs separate afterEach hooks last-registered first): unmount the
// app before anything is reset under it, then check, then reset.
afterEach(() => {
  cleanup();
  // A request no handler answered fails the test that made it, even when the app shrugged the error
  // off (MSW's 'error' strategy only logs it and fails the request).
  const requests = unhandledRequests.splice(0);
  server.resetHandlers();
  queryClient.clear();
  resetApiClientForTests();
  resetTimeZonesForTests();
  resetSessionForTests();
  resetToastsForTests();
  resetDeletesForTests();
  resetSingleUseLinksForTests();
  resetTabStorageForTests();
  expect(requests, 'requests that no MSW handler answered').toEqual([]);
});
afterAll(() => server.close());

// jsdom has <dialog> but not its modal API: open and close it the way the browser does (the
// inert background and the top layer are the browser's, checked by the browser tests).
if (!HTMLDialogElement.prototype.showModal) {
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    this.setAttribute('open', '');
  };
  HTMLDialogElement.prototype.close = function close(this: HTMLDialogElement) {
    if (!this.hasAttribute('open')) return;
    this.removeAttribute('open');
    this.dispatchEvent(new Event('close'));
  };
  // Escape asks the topmost modal dialog to cancel; unless refused, it closes.
  document.addEventListener('keydown', (event) => {
    const dialog = [...document.querySelectorAll('dialog[open]')].at(-1);
    if (event.key !== 'Escape' || event.defaultPrevented || !(dialog instanceof HTMLDialogElement)) return;
    if (dialog.dispatchEvent(new Event('cancel', { cancelable: true }))) dialog.close();
  });
}
