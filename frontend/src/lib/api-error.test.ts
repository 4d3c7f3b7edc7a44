import { describe, expect, it } from 'vitest';
import { ApiError, errorMessage, formatWait, NetworkError, OFFLINE_MESSAGE, ResponseShapeError, statusMessage, tryAgainAfter } from '@/lib/api-error';
import { formErrors } from '@/lib/forms';

describe('errorMessage: every error the API client can throw reads as a sentence', () => {
  it.each([400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 429, 500, 502, 503, 504])(
    'a %i with no readable body (a proxy’s HTML page, nothing at all)',
    (status) => {
      for (const body of [undefined, null, '<html>Bad Gateway</html>', []]) {
        const message = errorMessage(new ApiError(status, body));
        expect(message).toBe(statusMessage(status));
        expect(message).toMatch(/^[A-Z].*\.$/); // a sentence, not "Request failed (502)"
        expect(message).not.toMatch(/\d{3}/);
      }
    },
  );

  it('an unknown status still says which one, in words', () => {
    expect(errorMessage(new ApiError(418, null))).toBe('The request failed (HTTP 418).');
    expect(errorMessage(new ApiError(599, null))).toBe('The server had a problem. Please try again.');
  });

  it.each([
    [429, { detail: 'Too many failed sign-ins. Try again in 14 minutes, or reset your password.', code: 'login_locked' }],
    [413, { detail: 'Request body too large.', code: 'request_too_large' }],
    [422, { detail: 'This Idempotency-Key was already used for a different request.', code: 'idempotency_key_reused' }],
    [503, { detail: 'The service is temporarily unavailable.', code: 'service_unavailable' }],
  ])('a %i with a detail shows the server’s own words', (status, body) => {
    expect(errorMessage(new ApiError(status, body))).toBe(body.detail);
  });

  // The server's detail names the endpoint to call (backend/accounts/api_base.py): not for people.
  const REAUTH_DETAIL = "Confirm it's you: re-authenticate (POST /api/auth/reauthenticate/), then try again.";
  const SECOND_FACTOR_DETAIL =
    "This account has two-step verification: confirm it's you with your authenticator app or a passkey (POST /api/auth/reauthenticate/), then try again.";

  it.each([REAUTH_DETAIL, SECOND_FACTOR_DETAIL])('a change refused for want of a recent sign-in says it was not made, without the API’s words (%s)', (detail) => {
    const error = new ApiError(403, { detail, code: 'reauthentication_required' }, new Headers(), '/auth/password/');
    expect(errorMessage(error)).toBe("Not changed: confirm it's you to make this change.");
    expect(formErrors(error, ['current_password'])).toEqual(["Not changed: confirm it's you to make this change."]);
  });

  it('a password refused by the re-authentication itself says which ways work', () => {
    const error = new ApiError(403, { detail: SECOND_FACTOR_DETAIL, code: 'reauthentication_required' }, new Headers(), '/auth/reauthenticate/');
    expect(formErrors(error, ['password'])).toEqual(['Your account has two-step verification: use your authenticator app or a passkey.']);
    expect(errorMessage(error)).not.toMatch(/POST|\/api\//);
  });

  it('field errors with no field on screen (a toast) name their field', () => {
    const error = new ApiError(400, { due_date: ['Date has wrong format. Use one of these formats instead: YYYY-MM-DD.'] });
    expect(errorMessage(error)).toBe('Due date: Date has wrong format. Use one of these formats instead: YYYY-MM-DD.');
    expect(errorMessage(new ApiError(400, { non_field_errors: ['Nope.'], title: ['Too long.'] }))).toBe('Nope.');
  });

  it('no answer, offline, an answer it cannot read, a cancelled request', () => {
    expect(errorMessage(new NetworkError(new TypeError('fetch failed')))).toBe('Could not reach the server. Check your connection and try again.');
    expect(errorMessage(new NetworkError(null, OFFLINE_MESSAGE))).toBe(OFFLINE_MESSAGE);
    expect(errorMessage(new ResponseShapeError('/tasks/', null))).toMatch(/^The server sent an answer this page does not understand/);
    expect(errorMessage(new DOMException('aborted', 'AbortError'))).toBe('The request was cancelled.');
    expect(errorMessage('???')).toBe('Something went wrong.');
  });
});

describe('formErrors: what goes above a form', () => {
  it('names the fields the form does not show, since there is nothing to put their message next to', () => {
    const error = new ApiError(400, { title: ['Too long.'], ids: ['Too many ids.'], non_field_errors: ['Check the form.'] });
    expect(formErrors(error, ['title', 'description'])).toEqual(['Check the form.', 'Ids: Too many ids.']);
  });
});

describe('formatWait', () => {
  it.each([
    [0, '1 second'],
    [1, '1 second'],
    [30, '30 seconds'],
    [60, '1 minute'],
    [61, '2 minutes'],
    [900, '15 minutes'],
    [3600, '1 hour'],
    [5400, '2 hours'],
  ])('%i s → %s', (seconds, words) => {
    expect(formatWait(seconds)).toBe(words);
  });
});

describe('a rate limit (429 throttled) in the user’s words, not DRF’s', () => {
  it('says how long to wait, in words, when the server said', () => {
    const error = new ApiError(429, { detail: 'Request was throttled. Expected available in 3593 seconds.', code: 'throttled' }, new Headers({ 'Retry-After': '3593' }));
    expect(errorMessage(error)).toBe('Too many requests. Try again in 1 hour.');
    expect(formErrors(error, ['title'])).toEqual(['Too many requests. Try again in 1 hour.']);
  });

  it('and to wait a little when it did not', () => {
    expect(errorMessage(new ApiError(429, { detail: 'Request was throttled.', code: 'throttled' }))).toBe('Too many requests. Wait a little and try again.');
  });
});

describe('tryAgainAfter: the wait a 429 asked for, in the sentence every refusal for going too fast uses', () => {
  it('given a Retry-After, when said, then it names the wait', () => {
    const error = new ApiError(429, { detail: 'Slow down.', code: 'throttled' }, new Headers({ 'Retry-After': '120' }));
    expect(tryAgainAfter(error)).toBe('Try again in 2 minutes');
  });

  it('given no Retry-After, when said, then it asks for a little patience, or says what the caller gives', () => {
    const error = new ApiError(429, { detail: 'Slow down.', code: 'throttled' });
    expect(tryAgainAfter(error)).toBe('Wait a little and try again');
    expect(tryAgainAfter(error, 'Try again later')).toBe('Try again later');
  });
});
