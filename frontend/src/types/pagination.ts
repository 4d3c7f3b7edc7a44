import { z } from '@/lib/zod';

/** A page of a list endpoint (`?page=`), the same envelope for every list. */
export function paginatedSchema<T extends z.ZodType>(item: T) {
  return z.object({
    count: z.number().int(),
    next: z.string().nullable(),
    previous: z.string().nullable(),
    results: z.array(item),
  });
}
