import { http, HttpResponse } from 'msw';
import { API } from '@/testing/server';

/** The account page's pending email change, when the test is not about it: none. */
export const noPendingEmailChange = http.get(`${API}/auth/email/change/pending/`, () => HttpResponse.json({ pending: null }));
