/**
 * The signed-in user, as several features receive it from the API. Checked by hand, not with zod:
 * the session restore (the boot path) reads it, and zod stays off that path (lib/shape.ts).
 */
import { isString, shape } from '@/lib/shape';
import type { components } from '@/types/api';
import type { Equals, Expect } from '@/types/assert-type';

export interface User {
  id: string;
  email: string;
  name: string;
  date_joined: string;
  /** The address was proved by opening the link emailed to it. */
  email_verified: boolean;
}

export interface AuthResponse {
  access: string;
  user: User;
}

function pickUser(data: Record<string, unknown>): User | undefined {
  const { id, email, name, date_joined, email_verified } = data;
  return isString(id) && isString(email) && isString(name) && isString(date_joined) && typeof email_verified === 'boolean'
    ? { id, email, name, date_joined, email_verified }
    : undefined;
}

export const UserSchema = shape('user', pickUser);

/** `{"user": {...}}`, e.g. the answer of an email change's confirmation. */
export const UserEnvelopeSchema = shape('user', ({ user }) => (user !== null && typeof user === 'object' ? pickUser(user as Record<string, unknown>) : undefined));

export const AuthResponseSchema = shape('sign-in answer', ({ access, user }): AuthResponse | undefined => {
  const parsed = user !== null && typeof user === 'object' ? pickUser(user as Record<string, unknown>) : undefined;
  return isString(access) && access.length > 0 && parsed ? { access, user: parsed } : undefined;
});

// Compile-time only (no runtime code): tsc fails here when these types and the OpenAPI schema drift apart.
export type MatchesApi = [
  Expect<Equals<User, components['schemas']['UserOutput']>>,
  Expect<Equals<AuthResponse, components['schemas']['AuthOutput']>>,
];
