import { BusyButton, FormAlert } from '@/components/feedback';
import { oidcStartProblem, useOidcProviders, useResetOnReturn } from '@/lib/oidc';
import { useStartOidcSignIn } from '@/features/auth/api/start-oidc-sign-in';

/**
 * "Continue with Google" (one button per provider the server has configured), under the sign-in and registration
 * forms: the provider's page signs the user in, or creates the account. Nothing at all while the providers load,
 * when there are none, or when they could not be read: the page's own ways in do not wait for them. `next`: where
 * to go once signed in. Its buttons leave out "Sign in", as the passkey's does: the form's button keeps that name.
 */
export function OidcSignIn({ next }: { next: string }) {
  const providers = useOidcProviders();
  const start = useStartOidcSignIn();
  useResetOnReturn(start.reset);
  if (providers.length === 0) return null;
  const chosen = start.variables?.provider;
  // Pending, then successful while the browser leaves for the provider: the buttons stay unavailable meanwhile.
  const leaving = start.isPending || start.isSuccess;
  const problem = start.isError ? oidcStartProblem(start.error, chosen) : null;
  return (
    <div className="stack stack--tight">
      <p className="auth__divider">or</p>
      {/* In the page with the buttons, empty until a start fails: a live region mounted with its text is often not read. */}
      <FormAlert messages={problem ? [problem] : []} />
      {providers.map((provider) => (
        <BusyButton
          key={provider.id}
          className="button button--secondary button--block"
          busy={leaving}
          onClick={() => start.mutate({ provider, next })}
        >
          {leaving && chosen?.id === provider.id ? `Going to ${provider.name}…` : `Continue with ${provider.name}`}
        </BusyButton>
      ))}
    </div>
  );
}
