/** What the server answered about an emailed link, as the pages and the hook that sends its token read it. */
import { ApiError, type ErrorCode } from '@/lib/api-error';

/** What a reload of the page finds when the link it had was used (else the code it was refused with). */
export const LINK_USED = 'used';

/** The code of an answer about the link itself (400: expired, invalid, …); null for any other failure. */
export function linkCode(error: unknown): ErrorCode | null {
  return error instanceof ApiError && error.status === 400 ? error.code : null;
}
