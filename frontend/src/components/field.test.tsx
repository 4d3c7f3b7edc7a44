import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { TextField } from '@/components/field';

describe('TextField', () => {
  it('describes an invalid field by its error first, then its hint: what to fix is heard before the reminder', () => {
    render(<TextField label="Authenticator code" hint="The 6-digit code your authenticator app shows now." errors={["That code didn't work."]} />);

    const field = screen.getByLabelText('Authenticator code');

    expect(field).toBeInvalid();
    expect(field).toHaveAccessibleDescription("That code didn't work. The 6-digit code your authenticator app shows now.");
  });

  it('describes a valid field by its hint alone', () => {
    render(<TextField label="Authenticator code" hint="The 6-digit code your authenticator app shows now." />);

    expect(screen.getByLabelText('Authenticator code')).toHaveAccessibleDescription('The 6-digit code your authenticator app shows now.');
  });
});
