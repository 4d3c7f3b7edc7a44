import { useNavigate, useSearchParams } from 'react-router';
import { safeNextPath } from '@/lib/navigation';
import { useSession } from '@/lib/session';

/**
 * Where login and registration lead: the `next` page kept by the route guard (same-origin paths
 * only), and whether a visitor who is already signed in should be sent there straight away.
 */
export function useAfterSignIn(mutation: { isPending: boolean; isSuccess: boolean }) {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const session = useSession();
  const next = safeNextPath(params.get('next'));
  return {
    params,
    session,
    next,
    goNext: () => navigate(next, { replace: true }),
    alreadySignedIn: session.status === 'authenticated' && !mutation.isPending && !mutation.isSuccess,
  };
}
