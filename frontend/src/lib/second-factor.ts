/**
 * What the forms that take a second factor share (sign-in's second step, the security page, the
 * "Confirm it's you" prompt): the code fields' checks, and the server's code refusals shown on the field.
 */
import { ApiError } from '@/lib/api-error';
import { z } from '@/lib/zod';

/** A 6-digit code from an authenticator app; spaces (as some apps show it, "123 456") are dropped. */
export const TotpCodeSchema = z
  .string()
  .transform((value) => value.replace(/\s+/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app.'));

/** A recovery code as shown (xxxx-xxxx-xxxx-xxxx); the server ignores case and dashes. */
export const RecoveryCodeSchema = z.string().trim().min(1, 'Enter one of your recovery codes.');

export const TotpCodeInputSchema = z.object({ code: TotpCodeSchema });
export const RecoveryCodeInputSchema = z.object({ recovery_code: RecoveryCodeSchema });

/** The props every 6-digit code input has: the numeric keypad, and the browser's one-time-code autofill. */
export const CODE_INPUT_PROPS = { inputMode: 'numeric', autoComplete: 'one-time-code', pattern: '[0-9 ]*', maxLength: 7 } as const;

/**
 * The server refuses a wrong code with a detail and a code (`mfa_code_invalid`), not a field error: as a
 * field error of `field`, so the form shows it next to the input and moves the focus there.
 */
export function onField(error: unknown, code: string, field: string): unknown {
  if (!(error instanceof ApiError) || error.code !== code) return error;
  return new ApiError(error.status, { [field]: [error.message] }, error.headers, error.path);
}
