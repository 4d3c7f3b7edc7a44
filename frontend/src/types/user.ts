/** The signed-in user, as several features receive it from the API (validated with zod). */
import { z } from '@/lib/zod';
import type { components } from '@/types/api';
import type { Equals, Expect } from '@/types/assert-type';

export const UserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  date_joined: z.string(),
});
export type User = z.infer<typeof UserSchema>;

export const AuthResponseSchema = z.object({ access: z.string().min(1), user: UserSchema });
export type AuthResponse = z.infer<typeof AuthResponseSchema>;

// Compile-time only (no runtime code): tsc fails here when these schemas and the OpenAPI schema drift apart.
export type MatchesApi = [
  Expect<Equals<User, components['schemas']['UserOutput']>>,
  Expect<Equals<AuthResponse, components['schemas']['AuthOutput']>>,
];
