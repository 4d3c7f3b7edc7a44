import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { Pagination } from '@/components/pagination';

/** Three pages of 10 (25 items), starting on `start`; every page asked for is recorded. */
function ThreePages({ start, asked }: { start: number; asked: number[] }) {
  const [page, setPage] = useState(start);
  return (
    <Pagination
      page={page}
      pageSize={10}
      count={25}
      onPage={(next) => {
        asked.push(next);
        setPage(next);
      }}
    />
  );
}

describe('pagination', () => {
  it('keeps the focus on Next when it reaches the last page, and does nothing more from there', async () => {
    const asked: number[] = [];
    render(<ThreePages start={2} asked={asked} />);
    const user = userEvent.setup();
    const next = screen.getByRole('button', { name: 'Next' });

    await user.click(next);
    expect(screen.getByText('Page 3 of 3')).toBeInTheDocument();
    // Unavailable without `disabled`, which would drop the focus to <body>.
    expect(next).toHaveAttribute('aria-disabled', 'true');
    expect(next).not.toBeDisabled();
    expect(next).toHaveFocus();

    await user.keyboard('{Enter}');
    await user.click(next);
    expect(asked).toEqual([3]);
    expect(screen.getByText('Showing 21–25 of 25')).toBeInTheDocument();
  });

  it('keeps the focus on Previous when it reaches the first page', async () => {
    const asked: number[] = [];
    render(<ThreePages start={2} asked={asked} />);
    const user = userEvent.setup();
    const previous = screen.getByRole('button', { name: 'Previous' });

    await user.click(previous);
    expect(previous).toHaveAttribute('aria-disabled', 'true');
    expect(previous).not.toBeDisabled();
    expect(previous).toHaveFocus();
    await user.click(previous);
    expect(asked).toEqual([1]);
    expect(screen.getByRole('button', { name: 'Next' })).not.toHaveAttribute('aria-disabled');
  });
});
