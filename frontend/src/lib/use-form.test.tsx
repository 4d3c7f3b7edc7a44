import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useEffect } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { Announcer } from '@/components/feedback';
import { TextField } from '@/components/field';
import { ANNOUNCER_ATTRIBUTE } from '@/lib/announce';
import { ApiError } from '@/lib/api-error';
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

  it('says the error of a field that already has the focus, each time: focusing it again would say nothing', async () => {
    render(
      <>
        <OneFieldForm />
        <Announcer />
      </>,
    );
    const region = document.querySelector(`[${ANNOUNCER_ATTRIBUTE}]`)!;
    const said: string[] = [];
    new MutationObserver(() => said.push(region.textContent ?? '')).observe(region, { childList: true, subtree: true, characterData: true });
    const user = userEvent.setup();
    const field = screen.getByLabelText('Email');

    // When Enter is pressed in the empty field, which has the focus
    await user.type(field, '{Enter}');

    // Then its error is read out from the live region
    await waitFor(() => expect(said).toEqual(['Enter your email address.']));
    expect(field).toHaveFocus();
    expect(field).toHaveAccessibleDescription('Enter your email address.');

    // And again the second time: the region is emptied first, so the same words are read again
    await user.keyboard('{Enter}');
    await waitFor(() => expect(said).toEqual(['Enter your email address.', '', 'Enter your email address.']));
  });

  it("says nothing more when the focus moves to the invalid field: the field's error is read with it", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      render(
        <>
          <OneFieldForm />
          <Announcer />
        </>,
      );
      const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

      await user.click(screen.getByRole('button', { name: 'Send' }));
      act(() => vi.runAllTimers());

      expect(screen.getByLabelText('Email')).toHaveFocus();
      expect(document.querySelector(`[${ANNOUNCER_ATTRIBUTE}]`)).toBeEmptyDOMElement();
    } finally {
      vi.useRealTimers();
    }
  });
});

/** A form of one field, as the second-factor forms: Enter in the field sends it, and the focus stays there. */
function OneFieldForm() {
  const form = useForm(Schema, { email: '' }, () => undefined, null);
  return (
    <form onSubmit={form.onSubmit} noValidate>
      <TextField label="Email" {...form.bind('email')} errors={form.errors('email')} />
      <button type="submit">Send</button>
    </form>
  );
}

describe('useForm, server errors', () => {
  it('drops a server error from a field once the user edits it, until the next answer', async () => {
    function ServerForm({ error }: { error: unknown }) {
      const form = useForm(Schema, { email: 'ada@example.com' }, () => undefined, error);
      return (
        <form onSubmit={form.onSubmit} noValidate>
          <TextField label="Email" {...form.bind('email')} errors={form.errors('email')} />
        </form>
      );
    }
    const taken = () => new ApiError(400, { email: ['This address is already in use.'] });
    const { rerender } = render(<ServerForm error={taken()} />);
    const field = screen.getByLabelText('Email');
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText('This address is already in use.')).toBeInTheDocument();

    await userEvent.setup().type(field, 'x');
    expect(field).not.toHaveAttribute('aria-invalid');
    expect(screen.queryByText('This address is already in use.')).not.toBeInTheDocument();

    // The next answer refuses it again: its error shows.
    rerender(<ServerForm error={taken()} />);
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText('This address is already in use.')).toBeInTheDocument();
  });
});

