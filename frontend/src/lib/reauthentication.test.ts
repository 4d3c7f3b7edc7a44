import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { setAccessToken } from '@/lib/access-token';
import { apiRequest, setReauthenticationHandler } from '@/lib/api-client';
import { ApiError } from '@/lib/api-error';
import { API, server } from '@/testing/server';

const REFUSAL = { detail: 'Confirm it is you.', code: 'reauthentication_required' };

/** POST /auth/password/ refused with 403 reauthentication_required until `fresh()`, then 204. */
function useStepUpEndpoint() {
  const bodies: unknown[] = [];
  let fresh = false;
  server.use(
    http.post(`${API}/auth/password/`, async ({ request }) => {
      bodies.push(await request.json());
      return fresh ? new HttpResponse(null, { status: 204 }) : HttpResponse.json(REFUSAL, { status: 403 });
    }),
  );
  return { bodies, fresh: () => (fresh = true) };
}

const send = () => apiRequest('/auth/password/', { method: 'POST', body: { a: 1 } });

describe('re-authentication in the API client', () => {
  it('without a prompt on screen, the 403 is the answer', async () => {
    setAccessToken('access-1');
    const { bodies } = useStepUpEndpoint();
    await expect(send()).rejects.toMatchObject({ status: 403, code: 'reauthentication_required' });
    expect(bodies).toHaveLength(1);
  });

  it('waits for the prompt, then sends the same request once more', async () => {
    setAccessToken('access-1');
    const { bodies, fresh } = useStepUpEndpoint();
    const refusals: ApiError[] = [];
    setReauthenticationHandler(async (refusal) => {
      refusals.push(refusal);
      fresh();
    });
    await expect(send()).resolves.toBeUndefined();
    expect(bodies).toEqual([{ a: 1 }, { a: 1 }]);
    expect(refusals.map((refusal) => refusal.message)).toEqual(['Confirm it is you.']);
  });

  it('gives the original refusal when the prompt was cancelled, and retries at most once', async () => {
    setAccessToken('access-1');
    const { bodies } = useStepUpEndpoint();
    setReauthenticationHandler(() => Promise.reject(new Error('cancelled')));
    await expect(send()).rejects.toBeInstanceOf(ApiError);
    expect(bodies).toHaveLength(1);

    // Confirmed, but refused again: no second prompt, no third request.
    let prompts = 0;
    setReauthenticationHandler(async () => {
      prompts += 1;
    });
    await expect(send()).rejects.toMatchObject({ code: 'reauthentication_required' });
    expect(prompts).toBe(1);
    expect(bodies).toHaveLength(3);
  });

  it('never prompts for requests that opt out (the re-authentication itself) or other 403s', async () => {
    setAccessToken('access-1');
    let prompts = 0;
    setReauthenticationHandler(async () => {
      prompts += 1;
    });
    useStepUpEndpoint();
    server.use(http.get(`${API}/tasks/`, () => HttpResponse.json({ detail: 'No.', code: 'permission_denied' }, { status: 403 })));
    await expect(apiRequest('/auth/password/', { method: 'POST', body: {}, reauthenticate: false })).rejects.toMatchObject({ status: 403 });
    await expect(apiRequest('/tasks/')).rejects.toMatchObject({ code: 'permission_denied' });
    expect(prompts).toBe(0);
  });
});
