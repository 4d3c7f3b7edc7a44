import { EMAIL_MAX_LENGTH } from '@/lib/email-address';

/**
 * The address typed on one sign-in page, carried to the other (the password's, the emailed code's) in the
 * router's state: not in the URL, so it stays out of the history's addresses, the server's logs and Referer.
 */
export type TypedEmail = { email: string };

/** The state to navigate with: nothing when no address was typed. */
export function typedEmailState(email: string): TypedEmail | undefined {
  const typed = email.trim();
  return typed ? { email: typed } : undefined;
}

/** The address carried in `state` (the location's), or ''; any other state (or a forged one) gives ''. */
export function typedEmail(state: unknown): string {
  if (state === null || typeof state !== 'object' || !('email' in state) || typeof state.email !== 'string') return '';
  return state.email.slice(0, EMAIL_MAX_LENGTH);
}
