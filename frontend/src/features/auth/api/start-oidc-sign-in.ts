import { useMutation } from '@tanstack/react-query';
import { type OidcProvider, startOidc } from '@/lib/oidc';

/**
 * POST /auth/oidc/{provider}/start/ `{"intent": "sign_in"}` (public), then off to the provider's page: the sign-in
 * and registration pages' "Continue with …". `next` is where the sign-in leads once the provider sent the browser
 * back (the callback page reads it). The mutation stays pending-then-successful while the page unloads.
 */
export function useStartOidcSignIn() {
  return useMutation({
    mutationFn: ({ provider, next }: { provider: OidcProvider; next?: string }) => startOidc(provider, 'sign_in', next),
  });
}
