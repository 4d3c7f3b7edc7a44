/**
 * What the forms that take a second factor share (sign-in's second step, the security page, the
 * "Confirm it's you" prompt): the code fields' checks, and the server's code refusals shown on the field.
 */
import { ApiError, type ErrorCode } from '@/lib/api-error';
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

/**
 * The second factors an account confirms it's you with, in words for a sentence ("… with your authenticator app or a
 * passkey"): only those given, so an account with the app alone is not sent looking for a passkey; null for none.
 */
export function secondFactorWords({ app, passkey }: { app: boolean; passkey: boolean }): string | null {
  const ways = [...(app ? ['your authenticator app'] : []), ...(passkey ? ['a passkey'] : [])];
  return ways.length ? ways.join(' or ') : null;
}

/** The props every 6-digit code input has: the numeric keypad, and the browser's one-time-code autofill. */
export const CODE_INPUT_PROPS = { inputMode: 'numeric', autoComplete: 'one-time-code', pattern: '[0-9 ]*', maxLength: 7 } as const;

/**
 * The server refuses a wrong code with a detail and a code (`mfa_code_invalid`), not a field error: as a
 * field error of `field`, so the form shows it next to the input and moves the focus there. In `message`'s
 * words when given (the WRONG_* below): the server's one sentence for every form fits none of them.
 */
export function onField(error: unknown, code: ErrorCode, field: string, message?: string): unknown {
  if (!(error instanceof ApiError) || error.code !== code) return error;
  return new ApiError(error.status, { [field]: [message ?? error.message] }, error.headers, error.path);
}

/*
 * A wrong code, said for the field it was typed in. The server's detail ("…Enter the current code, or a recovery
 * code.") would ask for a recovery code under a field that takes 6 digits only, and while the app is being set up,
 * when there is no recovery code yet.
 */
const CODES_CHANGE = "That code didn't work. Codes change every 30 seconds: enter the one your app shows now";
/** An authenticator code refused; `otherWay`: the label of the button that offers a recovery code instead, if any. */
export function wrongAppCode(otherWay?: string): string {
  return otherWay ? `${CODES_CHANGE}, or choose “${otherWay}”.` : `${CODES_CHANGE}.`;
}
/** The first code refused while setting the app up: most often the phone's clock is off. */
export const WRONG_SET_UP_CODE =
  "That code didn't match. Enter the code your app shows now; if it keeps failing, check that your phone's clock is set automatically.";
export const WRONG_RECOVERY_CODE = "That recovery code didn't work, or it was already used (each works once). Check it, or try another of your codes.";
