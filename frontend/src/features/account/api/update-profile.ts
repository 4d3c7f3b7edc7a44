import { useMutation } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { updateSessionUser } from '@/lib/session';
import { type User, UserSchema } from '@/types/user';

export const ProfileInputSchema = z.object({ name: z.string().trim().max(150, 'At most 150 characters.') });
export type ProfileInput = z.infer<typeof ProfileInputSchema>;

export function updateProfile(input: ProfileInput): Promise<User> {
  return apiRequest('/auth/me/', { method: 'PATCH', body: input, schema: UserSchema });
}

export function useUpdateProfile() {
  return useMutation({ mutationFn: updateProfile, onSuccess: updateSessionUser });
}
