/** Errors the API client throws; components branch on these, never on raw responses. */

export type FieldErrors = Record<string, string[]>;

/** An HTTP error answer from the API: `{"detail", "code"}` or DRF's `{"field": ["message"]}`. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fieldErrors: FieldErrors;
  /** The answer's headers (Retry-After on 429/503, the current ETag on a 412). */
  readonly headers: Headers;

  constructor(status: number, body: unknown, headers: Headers = new Headers()) {
    const { detail, code, fieldErrors } = parseErrorBody(status, body);
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fieldErrors = fieldErrors;
    this.headers = headers;
  }

  /** Seconds the server asked us to wait, when it said. */
  get retryAfter(): number | null {
    return parseRetryAfter(this.headers.get('Retry-After'));
  }

  /** The messages of the form as a whole: `non_field_errors`, or the detail when no field is named. */
  get formErrors(): string[] {
    const nonField = this.fieldErrors.non_field_errors;
    if (nonField?.length) return nonField;
    return Object.keys(this.fieldErrors).length ? [] : [this.message];
  }
}

/** The request never got an answer (offline, DNS, server down). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('Could not reach the server. Check your connection and try again.', { cause });
    this.name = 'NetworkError';
  }
}

/** The answer did not have the shape this client expects. */
export class ResponseShapeError extends Error {
  constructor(path: string, cause: unknown) {
    super(`Unexpected response from ${path}.`, { cause });
    this.name = 'ResponseShapeError';
  }
}

function parseErrorBody(status: number, body: unknown) {
  const fallback = status >= 500 ? 'The server had a problem. Please try again.' : `Request failed (${status}).`;
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return { detail: fallback, code: `http_${status}`, fieldErrors: {} };
  }
  const record = body as Record<string, unknown>;
  if (typeof record.detail === 'string') {
    return { detail: record.detail, code: typeof record.code === 'string' ? record.code : `http_${status}`, fieldErrors: {} };
  }
  const fieldErrors: FieldErrors = {};
  for (const [field, messages] of Object.entries(record)) {
    if (Array.isArray(messages)) fieldErrors[field] = messages.map(String);
    else if (typeof messages === 'string') fieldErrors[field] = [messages];
  }
  return { detail: 'Please correct the errors below.', code: 'invalid', fieldErrors };
}

/** A sentence to show a person for any error thrown by a request. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.formErrors[0] ?? error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

/** A Retry-After header in seconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}
