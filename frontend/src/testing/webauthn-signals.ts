import { vi } from 'vitest';

/**
 * A browser with WebAuthn's signal methods (jsdom has none, nor WebAuthn at all): each call is recorded as
 * `[method, options]`. Undo with `vi.unstubAllGlobals()`.
 */
export function browserWithSignals() {
  const calls: [string, unknown][] = [];
  const record = (method: string) => vi.fn(async (options: unknown) => void calls.push([method, options]));
  vi.stubGlobal(
    'PublicKeyCredential',
    Object.assign(function PublicKeyCredential() {}, {
      signalAllAcceptedCredentials: record('allAccepted'),
      signalCurrentUserDetails: record('userDetails'),
      signalUnknownCredential: record('unknown'),
    }),
  );
  /** The credential ids of each signalAllAcceptedCredentials call, in order. */
  const accepted = () =>
    calls.filter(([method]) => method === 'allAccepted').map(([, options]) => (options as { allAcceptedCredentialIds: string[] }).allAcceptedCredentialIds);
  return { calls, accepted };
}
