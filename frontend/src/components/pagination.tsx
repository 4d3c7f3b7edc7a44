import { UnavailableButton } from '@/components/feedback';

interface PaginationProps {
  page: number;
  pageSize: number;
  count: number;
  onPage: (page: number) => void;
  /** false: the page announces the result itself (one live region, not two saying the same). */
  live?: boolean;
}

/** "Showing 11–20 of 42" with previous/next buttons. */
export function Pagination({ page, pageSize, count, onPage, live = true }: PaginationProps) {
  const pages = Math.max(1, Math.ceil(count / pageSize));
  if (count === 0) return null;
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(count, page * pageSize);
  return (
    <nav className="pagination" aria-label="Pagination">
      <p className="pagination__summary" aria-live={live ? 'polite' : undefined}>
        Showing {first}–{last} of {count}
      </p>
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
