import { describe, expect, it } from 'vitest';
import { EMAIL_MAX_LENGTH, emailAddressSchema } from '@/lib/email-address';

const schema = emailAddressSchema();
const messages = (value: string) => schema.safeParse(value).error?.issues.map((issue) => issue.message) ?? [];

describe('emailAddressSchema', () => {
  // Addresses the server (Django's validate_email) accepts: the form must let them through.
  it.each(['ada@example.com', 'first&last@example.com', 'o.brien!@example.com', 'a@localhost', 'user@bücher.de', '"a@b"@example.com'])(
    'accepts %s',
    (address) => {
      expect(schema.parse(address)).toBe(address);
    },
  );

  it.each(['not-an-email', 'ada@', '@example.com', 'ada lovelace@example.com', 'ada@exa mple.com'])('refuses %j', (value) => {
    expect(messages(value)).toEqual(['Enter a valid email address.']);
  });

  it.each(['', '   '])('asks for the address when there is none (%j), rather than calling it not valid', (value) => {
    expect(messages(value)).toEqual(['Enter your email address.']);
  });

  it('takes off the spaces around it, as the server does', () => {
    expect(schema.parse('  ada@example.com ')).toBe('ada@example.com');
  });

  it('refuses more than the server’s 254 characters', () => {
    const local = 'a'.repeat(64);
    const address = `${local}@${'b'.repeat(EMAIL_MAX_LENGTH - local.length - 1)}`;
    expect(schema.parse(address)).toBe(address);
    expect(messages(`${address}c`)).toEqual(['At most 254 characters.']);
  });
});
