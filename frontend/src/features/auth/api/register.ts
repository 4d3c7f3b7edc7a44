import { useMutation } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { emailAddressSchema } from '@/lib/email-address';
import { newPasswordSchema } from '@/lib/password';
import { type ResponseSchema, shape } from '@/lib/shape';
import { startSession } from '@/lib/session';
import type { components } from '@/types/api';
import type { Equals, Expect, FitsRequest } from '@/types/assert-type';
import { type User, AuthResponseSchema, UserEnvelopeSchema } from '@/types/user';

export const RegisterInputSchema = z.object({
  name: z.string().trim().max(150, 'At most 150 characters.'),
  email: emailAddressSchema(),
  password: newPasswordSchema,
});
export type RegisterInput = z.infer<typeof RegisterInputSchema>;

// Compile-time only (no runtime code): tsc fails here when the form's values stop fitting POST /auth/register/.
// The 202's body, read below as { status: 'verification-required', user }.
export type MatchesApi = [
  Expect<FitsRequest<RegisterInput, components['schemas']['RegisterInputRequest']>>,
  Expect<Equals<{ user: User; email_verification_required: boolean }, components['schemas']['RegisterPendingOutput']>>,
];

/**
 * 201 `{user, access}` (signed in), or 202 `{user, email_verification_required: true}` when the
 * server wants the address verified before the first sign-in (EMAIL_VERIFICATION=mandatory).
 */
export type RegisterResult = { status: 'signed-in'; access: string; user: User } | { status: 'verification-required'; user: User };

export const RegisterResultSchema: ResponseSchema<RegisterResult> = shape('registration answer', (data) => {
  if (data.email_verification_required === true) {
    const parsed = UserEnvelopeSchema.safeParse(data);
    return parsed.success ? { status: 'verification-required', user: parsed.data } : undefined;
  }
  const parsed = AuthResponseSchema.safeParse(data);
  return parsed.success ? { status: 'signed-in', ...parsed.data } : undefined;
});

export function register(input: RegisterInput): Promise<RegisterResult> {
  return apiRequest('/auth/register/', { method: 'POST', body: input, auth: false, schema: RegisterResultSchema });
}

export function useRegister() {
  return useMutation({
    mutationFn: register,
    onSuccess: (result) => {
      if (result.status === 'signed-in') startSession(result.access, result.user);
    },
  });
}
