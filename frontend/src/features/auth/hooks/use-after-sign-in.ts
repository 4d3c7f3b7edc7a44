import { useEffect } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { forgetNextOwner, nextPathFor, safeNextPath } from '@/lib/navigation';
import { getSession, useSession } from '@/lib/session';

/**
 * Where login and registration lead: the `next` page kept by the route guard (same-origin paths
 * only), and whether a visitor who is already signed in should be sent there straight away. A `next`
 * kept when another account's session expired in this tab is not followed: that account's page and
 * search are not shown to whoever signs in next (lib/navigation.ts, nextPathFor). `kept`: a `next` the page kept
 * elsewhere, read in place of its URL's (a provider's round trip does not bring the sign-in page's URL back).
 */
export function useAfterSignIn(mutation: { isPending: boolean; isSuccess: boolean }, kept?: string | null) {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const session = useSession();
  const asked = kept === undefined ? params.get('next') : kept;
  // Before sign-in, the `next` to pass on (to the registration page); once signed in, where this account goes.
  const next = session.status === 'authenticated' ? nextPathFor(session.user.id, asked) : safeNextPath(asked);
  const alreadySignedIn = session.status === 'authenticated' && !mutation.isPending && !mutation.isSuccess;
  useEffect(() => {
    if (alreadySignedIn) forgetNextOwner();
  }, [alreadySignedIn]);
  return {
    params,
    session,
    next,
    // Called once the sign-in started the session (the mutations' own onSuccess runs first): for its account.
    goNext: () => {
      const current = getSession();
      const to = current.status === 'authenticated' ? nextPathFor(current.user.id, asked) : safeNextPath(asked);
      forgetNextOwner();
      navigate(to, { replace: true });
    },
    alreadySignedIn,
  };
}
