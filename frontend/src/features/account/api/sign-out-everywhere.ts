import { useMutation } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { signedOutOfAllDevices } from '@/lib/session';
import { runBeforeSignOut } from '@/lib/sign-out';

/** 204; every session of the user is revoked, this one included. What must reach the server while the
 * session exists (deletes waiting out their undo window) is sent first, as before a sign-out. */
export async function signOutEverywhere(): Promise<undefined> {
  await runBeforeSignOut();
  return apiRequest('/auth/logout-all/', { method: 'POST', body: {} });
}

export function useSignOutEverywhere() {
  return useMutation({ mutationFn: signOutEverywhere, onSuccess: signedOutOfAllDevices });
}
