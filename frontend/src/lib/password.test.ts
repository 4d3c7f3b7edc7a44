import { describe, expect, it } from 'vitest';
import { validate } from '@/lib/forms';
import { newPasswordSchema, withMatchingConfirm } from '@/lib/password';
import { z } from '@/lib/zod';

const form = withMatchingConfirm(z.object({ new_password: newPasswordSchema, confirm: z.string() }));

describe('new password rule', () => {
  it('given fewer than 8 or more than 128 characters, when checked, then it says how many are allowed', () => {
    expect(validate(newPasswordSchema, 'short').errors).toEqual({ non_field_errors: ['Use at least 8 characters.'] });
    expect(validate(newPasswordSchema, 'x'.repeat(129)).errors).toEqual({ non_field_errors: ['At most 128 characters.'] });
    expect(validate(newPasswordSchema, 'x'.repeat(128)).data).toBe('x'.repeat(128));
  });

  it('given a confirm that differs, when the form is checked, then the refusal is under the confirm field', () => {
    expect(validate(form, { new_password: 'a-new-secret', confirm: 'a-new-secreT' }).errors).toEqual({ confirm: ['The passwords do not match.'] });
  });

  it('given a matching confirm, when the form is checked, then the values pass as typed', () => {
    expect(validate(form, { new_password: 'a-new-secret', confirm: 'a-new-secret' }).data).toEqual({ new_password: 'a-new-secret', confirm: 'a-new-secret' });
  });
});
