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

  it('says only a change of page: not a count that changes under it (a background refetch)', async () => {
    const user = userEvent.setup();
    function Live({ count }: { count: number }) {
      const [page, setPage] = useState(1);
      return <Pagination page={page} pageSize={10} count={count} onPage={setPage} />;
    }
    const { container, rerender } = render(<Live count={25} />);
    const live = () => [...container.querySelectorAll('[aria-live], [role="status"]')].map((region) => region.textContent);
    expect(live()).toEqual(['']);

    // A new event arrives in the background: the visible summary follows, nothing is read out.
    rerender(<Live count={26} />);
    expect(screen.getByText('Showing 1–10 of 26')).toBeInTheDocument();
    expect(live()).toEqual(['']);

    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(live()).toEqual(['Page 2 of 3: showing 11–20 of 26.']);
    rerender(<Live count={27} />);
    expect(live()).toEqual(['Page 2 of 3: showing 11–20 of 26.']);
    expect(screen.getByText('Showing 11–20 of 27')).toBeInTheDocument();
  });
});
