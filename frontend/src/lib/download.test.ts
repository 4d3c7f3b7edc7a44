import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { setAccessToken } from '@/lib/access-token';
import { apiDownload, attachmentName } from '@/lib/download';
import { ApiError } from '@/lib/api-error';
import { API, server } from '@/testing/server';

describe('apiDownload', () => {
  it('refreshes on a 401 like every request, and keeps the body as it came', async () => {
    const seen: (string | null)[] = [];
    server.use(
      http.get(`${API}/auth/me/export/`, ({ request }) => {
        const auth = request.headers.get('Authorization');
        seen.push(auth);
        if (auth !== 'Bearer access-2') return HttpResponse.json({ detail: 'Token expired.', code: 'token_not_valid' }, { status: 401 });
        return new HttpResponse('{"tasks": []}', {
          headers: { 'Content-Type': 'application/json', 'Content-Disposition': "attachment; filename*=UTF-8''my%20data.json" },
        });
      }),
      http.post(`${API}/auth/refresh/`, () => HttpResponse.json({ access: 'access-2' })),
    );
    setAccessToken('access-1');

    const file = await apiDownload('/auth/me/export/', 'fallback.json');

    expect(seen).toEqual(['Bearer access-1', 'Bearer access-2']);
    expect(file.filename).toBe('my data.json');
    expect(await file.blob.text()).toBe('{"tasks": []}');
  });

  it('throws the API error of a refused download', async () => {
    server.use(http.get(`${API}/auth/me/export/`, () => HttpResponse.json({ detail: 'Slow down.', code: 'throttled' }, { status: 429 })));
    setAccessToken('access-1');
    const error = await apiDownload('/auth/me/export/', 'x.json').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('throttled');
  });
});

describe('attachmentName', () => {
  it.each([
    ['attachment; filename="export.json"', 'export.json'],
    ['attachment; filename=export.json', 'export.json'],
    ["attachment; filename=\"fallback.json\"; filename*=UTF-8''%C3%A9t%C3%A9.json", 'été.json'],
    ['attachment; filename="../../etc/passwd"', 'passwd'],
    ['attachment; filename=".."', null],
    ['attachment', null],
    [null, null],
  ])('%s → %s', (header, name) => {
    expect(attachmentName(header)).toBe(name);
  });
});
