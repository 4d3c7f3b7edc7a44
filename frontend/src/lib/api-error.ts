/** Errors the API client throws; components branch on these, never on raw responses. */
import type { components } from '@/types/api';

/**
 * An error answer's code: the server's (backend/common/errors.py, generated into types/api.ts, so a code renamed or
 * removed there fails `tsc` wherever it is compared), or one this client makes up for an answer that has none
 * (see parseErrorBody): `invalid` for DRF's field errors, `http_<status>` for a body without a code. A newer
 * server's code this build does not know still arrives as the string it is; nothing here branches on it.
 */
export type ErrorCode = components['schemas']['ErrorCodeEnum'] | 'invalid' | `http_${number}`;

export type FieldErrors = Record<string, string[]>;

/** An HTTP error answer from the API: `{"detail", "code"}` or DRF's `{"field": ["message"]}`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly fieldErrors: FieldErrors;
  /** The answer's headers (Retry-After on 429/503, the current ETag on a 412). */
  readonly headers: Headers;
  /** The API path that answered (e.g. `/auth/password/`), when known: some messages depend on it. */
  readonly path: string | undefined;

  constructor(status: number, body: unknown, headers: Headers = new Headers(), path?: string) {
    const { detail, code, fieldErrors } = parseErrorBody(status, body);
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fieldErrors = fieldErrors;
    this.headers = headers;
    this.path = path;
  }

  /** Seconds the server asked us to wait, when it said. */
  get retryAfter(): number | null {
    return parseRetryAfter(this.headers.get('Retry-After'));
  }

  /** The messages of the form as a whole: `non_field_errors`, or the detail when no field is named. */
  get formErrors(): string[] {
    const nonField = this.fieldErrors.non_field_errors;
    if (nonField?.length) return nonField;
    return Object.keys(this.fieldErrors).length ? [] : [detailMessage(this)];
  }
}

/** The re-authentication endpoint (lib/reauthenticate-api.ts): its refusals are the "Confirm it's you" prompt's own. */
const REAUTHENTICATE_PATH = '/auth/reauthenticate/';

export const REAUTHENTICATION_CANCELLED_MESSAGE = "Not changed: confirm it's you to make this change.";
export const SECOND_FACTOR_NEEDED_MESSAGE = 'Your account has two-step verification: use your authenticator app or a passkey.';

/**
 * The detail to show a person. A rate limit's (429 `throttled`) says how long to wait, in words. A 403 `reauthentication_required` carries a developer's detail (it names the
 * endpoint to call: "… re-authenticate (POST /api/auth/reauthenticate/) …"), so it is said in the user's
 * words. From the re-authentication itself, a session's password was refused because the account has a
 * second factor (backend SECOND_FACTOR_NEEDED). From any other request, it reaches a page only once the user
 * cancelled "Confirm it's you" (or none could be asked): the change was not made.
 */
function detailMessage(error: ApiError): string {
  // DRF's own words ("Request was throttled. Expected available in 3593 seconds.") are not for people.
  if (error.code === 'throttled') return `Too many requests. ${tryAgainAfter(error)}.`;
  if (error.code !== 'reauthentication_required') return error.message;
  return error.path === REAUTHENTICATE_PATH ? SECOND_FACTOR_NEEDED_MESSAGE : REAUTHENTICATION_CANCELLED_MESSAGE;
}

export const OFFLINE_MESSAGE = 'You are offline: nothing was sent. Try again when the connection is back.';

/** The request never got an answer (offline, DNS, server down), or was not sent because the browser is offline. */
export class NetworkError extends Error {
  constructor(cause: unknown, message = 'Could not reach the server. Check your connection and try again.') {
    super(message, { cause });
    this.name = 'NetworkError';
  }
}

/** The answer did not have the shape this client expects (e.g. a newer server, or a proxy's page). */
export class ResponseShapeError extends Error {
  constructor(path: string, cause: unknown) {
    super('The server sent an answer this page does not understand. Reloading the page usually fixes it.', { cause });
    this.name = 'ResponseShapeError';
    this.path = path;
  }

  readonly path: string;
}

/**
 * What to say when an error answer has no readable detail (a proxy's HTML page, an empty body):
 * something a person can act on, by status.
 */
const STATUS_MESSAGES: Record<number, string> = {
  400: 'The server did not accept this request.',
  401: 'Your session has ended. Please sign in again.',
  403: 'You are not allowed to do this.',
  404: 'It is not there any more: it may have been deleted.',
  405: 'The server does not allow this here.',
  406: 'The server could not answer in a format this page reads.',
  409: 'Someone else was changing the same thing. Try again.',
  412: 'It changed elsewhere since this page loaded it. Reload it and try again.',
  413: 'That is too large to send.',
  415: 'The server did not accept the format of this request.',
  422: 'The server could not process this request.',
  429: 'Too many requests. Wait a moment and try again.',
  502: 'The server could not be reached. Try again in a moment.',
  503: 'The service is busy or restarting. Try again in a moment.',
  504: 'The server took too long to answer. Try again in a moment.',
};

export function statusMessage(status: number): string {
  return STATUS_MESSAGES[status] ?? (status >= 500 ? 'The server had a problem. Please try again.' : `The request failed (HTTP ${status}).`);
}

function parseErrorBody(status: number, body: unknown): { detail: string; code: ErrorCode; fieldErrors: FieldErrors } {
  const fallback = statusMessage(status);
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return { detail: fallback, code: `http_${status}`, fieldErrors: {} };
  }
  const record = body as Record<string, unknown>;
  if (typeof record.detail === 'string') {
    return { detail: record.detail, code: typeof record.code === 'string' ? (record.code as ErrorCode) : `http_${status}`, fieldErrors: {} };
  }
  const fieldErrors: FieldErrors = {};
  for (const [field, messages] of Object.entries(record)) {
    if (Array.isArray(messages)) fieldErrors[field] = messages.map(String);
    else if (typeof messages === 'string') fieldErrors[field] = [messages];
  }
  return { detail: 'Please correct the errors below.', code: 'invalid', fieldErrors };
}

/** "due_date" → "Due date". */
export function fieldLabel(field: string): string {
  const words = field.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * A sentence to show a person for any error thrown by a request (in a toast, or above a form): the
 * form-level message, else the first field's message with its field's name (there is no field to
 * show it next to), else the error's own message.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const form = error.formErrors[0];
    if (form) return form;
    const [field, messages] = Object.entries(error.fieldErrors)[0] ?? [];
    if (field && messages?.[0]) return `${fieldLabel(field)}: ${messages[0]}`;
    return detailMessage(error);
  }
  if (error instanceof DOMException && error.name === 'AbortError') return 'The request was cancelled.';
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

/**
 * A wait the server asked for (Retry-After, in seconds), as a person says it: "30 seconds", "5 minutes". Here, not in
 * lib/format.ts, since this module is on the boot path and that one's date formatters need not be.
 */
export function formatWait(seconds: number): string {
  if (seconds < 60) {
    const whole = Math.max(1, Math.ceil(seconds));
    return `${whole} second${whole === 1 ? '' : 's'}`;
  }
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.ceil(minutes / 60);
  return `${hours} hour${hours === 1 ? '' : 's'}`;
}

/**
 * How long to wait after a refusal for going too fast (429): "Try again in 2 minutes" when the server said
 * (Retry-After), else `unsaid`. No full stop: the caller's sentence may go on ("…, or reset your password").
 */
export function tryAgainAfter(error: ApiError, unsaid = 'Wait a little and try again'): string {
  const wait = error.retryAfter;
  return wait ? `Try again in ${formatWait(wait)}` : unsaid;
}

/** A Retry-After header in seconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}
