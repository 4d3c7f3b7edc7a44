/**
 * Checks of a response's shape. The pages validate with zod schemas; the boot path (the session
 * restore: the refresh's access token and /auth/me/) uses the two hand-written checks built with
 * `shape`, so zod (about 23 kB gzipped) is not in the JavaScript loaded before anything shows.
 * Both have zod's `safeParse`, which is all the API client asks of a schema.
 */
export interface ResponseSchema<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false; error: unknown };
}

/** `pick` returns the value with only its known fields (as a zod object would), or undefined if it does not fit. */
export function shape<T>(name: string, pick: (data: Record<string, unknown>) => T | undefined): ResponseSchema<T> {
  return {
    safeParse(data: unknown) {
      const value = data !== null && typeof data === 'object' && !Array.isArray(data) ? pick(data as Record<string, unknown>) : undefined;
      return value === undefined ? { success: false, error: new TypeError(`not a ${name}`) } : { success: true, data: value };
    },
  };
}

export function isString(value: unknown): value is string {
  return typeof value === 'string';
}
