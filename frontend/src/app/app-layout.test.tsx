import { screen } from '@testing-library/react';
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

describe('top bar', () => {
  it("shows the user's name, whole in its title (the bar cuts a long one with an ellipsis to stay on one row)", async () => {
    server.use(http.get(`${API}/tasks/stats/`, () => new Promise(() => undefined)));
    renderApp('/');

    const name = await screen.findByText('Ada Lovelace', { selector: '.topbar__name' });
    expect(name).toHaveAttribute('title', 'Ada Lovelace (ada@example.com)');
  });
});
