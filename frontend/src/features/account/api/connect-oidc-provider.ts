import { useMutation } from '@tanstack/react-query';
import { type OidcProvider, startOidc } from '@/lib/oidc';

/**
 * POST /auth/oidc/{provider}/start/ `{"intent": "connect"}` with the account's token, then off to the provider's
 * page; it sends the browser back to the callback page, which comes back here. 403 `reauthentication_required`
 * asks "Confirm it's you" first (the API client), as every sensitive change does.
 */
export function useConnectOidcProvider() {
  return useMutation({ mutationFn: (provider: OidcProvider) => startOidc(provider, 'connect') });
}
