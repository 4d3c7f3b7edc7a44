/**
 * The one client-side check of an email address typed into a form. Deliberately loose: something@something,
 * no spaces, at most 254 characters (the server's limit). The server (Django's validate_email) has the last
 * word and accepts what a stricter pattern such as zod's z.email() refuses (first&last@example.com,
 * o.brien!@example.com, a@localhost, user@bücher.de); its field errors show against the field.
 */
import { z } from '@/lib/zod';

export const EMAIL_MAX_LENGTH = 254;

// Local part: anything but spaces (a quoted one may hold an @); domain: no @ and no spaces.
const LOOKS_LIKE_AN_ADDRESS = /^\S+@[^\s@]+$/;

/** The address field's schema (trimmed, as the server trims it); `missing`: what an empty field says. */
export function emailAddressSchema(missing = 'Enter your email address.') {
  // Empty is not malformed: it says what is missing (and only that: abort, no "valid address" after it).
  return z
    .string()
    .trim()
    .min(1, { message: missing, abort: true })
    .max(EMAIL_MAX_LENGTH, `At most ${EMAIL_MAX_LENGTH} characters.`)
    .regex(LOOKS_LIKE_AN_ADDRESS, 'Enter a valid email address.');
}
