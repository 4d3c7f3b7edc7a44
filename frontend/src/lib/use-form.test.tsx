import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useEffect } from 'react';
import { describe, expect, it } from 'vitest';
import { useForm } from '@/lib/use-form';
import { z } from '@/lib/zod';

const Schema = z.object({ email: z.string().min(1, 'Enter your email address.') });

/** Where the focus is once the commit that shows the errors is done, before any of the form's passive effects. */
function FocusAfterCommit({ seen, errors }: { seen: (Element | null)[]; errors: string[] | undefined }) {
  useEffect(() => {
    if (errors) seen.push(document.activeElement);
  }, [seen, errors]);
  return null;
}

function EmailForm({ seen }: { seen: (Element | null)[] }) {
  const form = useForm(Schema, { email: '' }, () => undefined, null);
  const errors = form.errors('email');
  return (
    <form onSubmit={form.onSubmit} noValidate>
      <input aria-label="Email" aria-invalid={errors ? 'true' : undefined} {...form.bind('email')} />
      <button type="submit">Send</button>
      <FocusAfterCommit seen={seen} errors={errors} />
    </form>
  );
}

describe('useForm', () => {
  it('moves the focus to the first invalid field in the commit that shows the errors', async () => {
    const seen: (Element | null)[] = [];
    render(<EmailForm seen={seen} />);

    await userEvent.setup().click(screen.getByRole('button', { name: 'Send' }));

    // Already there when the commit ends (a passive effect would move it only after the paint, from under a
    // field the user may have clicked into by then).
    expect(seen).toEqual([screen.getByLabelText('Email')]);
    expect(screen.getByLabelText('Email')).toHaveFocus();
  });
});
