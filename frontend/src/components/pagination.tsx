import { useState } from 'react';
import { UnavailableButton } from '@/components/feedback';

interface PaginationProps {
  page: number;
  pageSize: number;
  count: number;
  onPage: (page: number) => void;
  /** false: the page announces the result itself (one live region, not two saying the same). */
  live?: boolean;
}

/**
 * "Showing 11–20 of 42" with previous/next buttons. A change of page is read out (`live`), and only that: the summary
 * itself is not a live region, since a background refetch that brings one more item (the activity list) would have it
 * read out again and again while the user reads the page.
 */
export function Pagination({ page, pageSize, count, onPage, live = true }: PaginationProps) {
  const pages = Math.max(1, Math.ceil(count / pageSize));
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(count, page * pageSize);
  // What is said: set when the page changes (adjusted during the render, as React advises for state from props), kept
  // as it is while the count changes under it. The region is in the page from the start, empty, so it is read.
  const [saidFor, setSaidFor] = useState(page);
  const [said, setSaid] = useState('');
  if (page !== saidFor) {
    setSaidFor(page);
    setSaid(`Page ${page} of ${pages}: showing ${first}–${last} of ${count}.`);
  }
  if (count === 0) return null;
  return (
    <nav className="pagination" aria-label="Pagination">
      <p className="pagination__summary">
        Showing {first}–{last} of {count}
      </p>
      {live ? (
        <p className="visually-hidden" aria-live="polite">
          {said}
        </p>
      ) : null}
      <div className="pagination__buttons">
        {/* aria-disabled, not disabled: Next pressed onto the last page (Previous onto the first) keeps the focus. */}
        <UnavailableButton className="button button--secondary" unavailable={page <= 1} onClick={() => onPage(page - 1)}>
          Previous
        </UnavailableButton>
        <span className="pagination__page">
          Page {page} of {pages}
        </span>
        <UnavailableButton className="button button--secondary" unavailable={page >= pages} onClick={() => onPage(page + 1)}>
          Next
        </UnavailableButton>
      </div>
    </nav>
  );
}
