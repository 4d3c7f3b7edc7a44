import { useMutation } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { updateSessionUser } from '@/lib/session';
import type { components } from '@/types/api';
import type { Expect, FitsRequest } from '@/types/assert-type';
import { type User, UserSchema } from '@/types/user';

export const ProfileInputSchema = z.object({ name: z.string().trim().max(150, 'At most 150 characters.') });
export type ProfileInput = z.infer<typeof ProfileInputSchema>;

// Compile-time only (no runtime code): tsc fails here when the form's values stop fitting PATCH /auth/me/.
export type MatchesApi = Expect<FitsRequest<ProfileInput, components['schemas']['PatchedProfileUpdateInputRequest']>>;

export function updateProfile(input: ProfileInput): Promise<User> {
  return apiRequest('/auth/me/', { method: 'PATCH', body: input, schema: UserSchema });
}

export function useUpdateProfile() {
  return useMutation({ mutationFn: updateProfile, onSuccess: updateSessionUser });
}
