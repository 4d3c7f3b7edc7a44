import { type ReactNode, useLayoutEffect, useRef } from 'react';

export const APP_NAME = 'Scalable Auth Dashboard';

/** "Tasks · Scalable Auth Dashboard" while the component that calls it is shown (WCAG 2.4.2). */
export function useDocumentTitle(title: string): void {
  // With the commit that shows the page, not a moment later.
  useLayoutEffect(() => {
    document.title = title ? `${title} · ${APP_NAME}` : APP_NAME;
  }, [title]);
}

let focusPending = false;

/**
 * After a navigation, focus goes to the new page's heading, so a screen reader announces where the
 * user is and the next Tab starts from the top of the page. A page still loading (a lazy chunk, a
 * spinner) takes the focus when its heading mounts. Both happen in the commit that shows the page
 * (layout effects): after it, with the page painted, a move would take the focus from a field the
 * user has already clicked into, and the first keys typed there would be lost.
 */
export function focusPageHeading(): void {
  const heading = document.querySelector<HTMLElement>('[data-page-heading]');
  focusPending = heading === null;
  heading?.focus();
}

interface PageHeadingProps {
  children: ReactNode;
  /** The document title, when the heading's text is not it (e.g. "Hello, Ada" on the dashboard). */
  title?: string;
  className?: string;
  /**
   * The id of what the page opens with to say (a notice): read with the heading when the focus moves to it. A live
   * region that arrives with its text, as everything does with a new page, is often not read.
   */
  describedBy?: string;
}

/** The page's one h1, which sets the document title and takes the focus after a navigation. */
export function PageHeading({ children, title, className = 'page__title', describedBy }: PageHeadingProps) {
  const ref = useRef<HTMLHeadingElement>(null);
  useDocumentTitle(title ?? (typeof children === 'string' ? children : ''));
  useLayoutEffect(() => {
    if (!focusPending) return;
    focusPending = false;
    ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} className={className} tabIndex={-1} aria-describedby={describedBy} data-page-heading="">
      {children}
    </h1>
  );
}
