import { useMutation } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { signedOutEverywhere } from '@/lib/session';

/** 204; every session of the user is revoked, this one included. */
export function signOutEverywhere(): Promise<undefined> {
  return apiRequest('/auth/logout-all/', { method: 'POST', body: {} });
}

export function useSignOutEverywhere() {
  return useMutation({ mutationFn: signOutEverywhere, onSuccess: signedOutEverywhere });
}
