import { useQuery } from '@tanstack/react-query';
import { identitiesQueryOptions } from '@/lib/oidc';

/** The provider accounts connected to this one, and whether it has a password (lib/oidc.ts). */
export function useIdentities() {
  return useQuery(identitiesQueryOptions());
}

/**
 * Whether the account has a password, for the forms that ask for it: true until known, and when it could not be
 * read (an account with none is told so by the server's field error, as before the forms knew).
 */
export function useHasPassword(): boolean {
  return useIdentities().data?.has_password ?? true;
}
