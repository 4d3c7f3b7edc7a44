/** Field errors from zod (before sending) and from the API (after), in one shape for the forms. */
import type { z } from '@/lib/zod';
import { ApiError, type FieldErrors, fieldLabel } from '@/lib/api-error';

export function zodFieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'non_field_errors');
    (errors[field] ??= []).push(issue.message);
  }
  return errors;
}

/** Validates values with a zod schema: the parsed data, or the field errors to show. */
export function validate<T>(schema: z.ZodType<T>, values: unknown): { data: T; errors: null } | { data: null; errors: FieldErrors } {
  const result = schema.safeParse(values);
  return result.success ? { data: result.data, errors: null } : { data: null, errors: zodFieldErrors(result.error) };
}

/** Messages for the form as a whole: the API's non-field errors or detail, or any other failure. */
export function formErrors(error: unknown, fields: readonly string[]): string[] {
  if (!error) return [];
  if (!(error instanceof ApiError)) return [error instanceof Error ? error.message : 'Something went wrong.'];
  // Errors about fields the form does not show (e.g. a reset link's uid/token) belong to the form,
  // named, since there is no field to show them next to.
  const unknown = Object.entries(error.fieldErrors)
    .filter(([field]) => field !== 'non_field_errors' && !fields.includes(field))
    .flatMap(([field, messages]) => messages.map((message) => `${fieldLabel(field)}: ${message}`));
  return [...error.formErrors, ...unknown];
}

export function fieldErrorsOf(error: unknown): FieldErrors {
  return error instanceof ApiError ? error.fieldErrors : {};
}
