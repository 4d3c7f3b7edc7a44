import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { user as ada } from '@/testing/fixtures';
import { renderSignedIn } from '@/testing/render';
import { API, server } from '@/testing/server';
import { ProfileForm } from '@/features/account/components/profile-form';

// The API counts a name's 150 characters in code points; an input's maxLength counts UTF-16 units, two for a CJK
// ideograph beyond U+FFFF (found in Chinese and Japanese names) or an emoji, so it cut such a name off at 75.
const NAME = '𠮷'.repeat(100);

describe('profile name', () => {
  it('takes a name of 100 characters beyond U+FFFF whole, as the API does', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.patch(`${API}/auth/me/`, async ({ request }) => {
        const body = (await request.json()) as { name: string };
        bodies.push(body);
        return HttpResponse.json({ ...ada, name: body.name });
      }),
    );
    renderSignedIn(<ProfileForm />);
    const user = userEvent.setup();

    await user.clear(screen.getByLabelText('Name'));
    await user.paste(NAME);
    expect(screen.getByLabelText('Name')).toHaveValue(NAME);
    await user.click(screen.getByRole('button', { name: 'Save name' }));

    await waitFor(() => expect(bodies).toEqual([{ name: NAME }]));
  });
});

describe('profile saved', () => {
  it('says the name was saved only while the field holds the name saved', async () => {
    server.use(
      http.patch(`${API}/auth/me/`, async ({ request }) => {
        const body = (await request.json()) as { name: string };
        return HttpResponse.json({ ...ada, name: body.name });
      }),
    );
    renderSignedIn(<ProfileForm />);
    const user = userEvent.setup();
    const field = screen.getByLabelText('Name');

    await user.clear(field);
    await user.type(field, 'Ada L.');
    await user.click(screen.getByRole('button', { name: 'Save name' }));
    expect(await screen.findByText('Your name has been saved.')).toBeInTheDocument();

    // A new name, not saved: the message would say it was.
    await user.type(field, ' King');
    expect(screen.queryByText('Your name has been saved.')).not.toBeInTheDocument();

    await user.type(field, '{Backspace>5/}');
    expect(field).toHaveValue('Ada L.');
    expect(screen.getByText('Your name has been saved.')).toBeInTheDocument();
  });
});

