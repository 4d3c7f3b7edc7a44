/** Shapes shared by several features (the API's own names and types, validated with zod). */
import { z } from '@/lib/zod';

export const UserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  date_joined: z.string(),
});
export type User = z.infer<typeof UserSchema>;

export const AuthResponseSchema = z.object({ access: z.string().min(1), user: UserSchema });
export type AuthResponse = z.infer<typeof AuthResponseSchema>;

export function paginatedSchema<T extends z.ZodType>(item: T) {
  return z.object({
    count: z.number().int(),
    next: z.string().nullable(),
    previous: z.string().nullable(),
    results: z.array(item),
  });
}
