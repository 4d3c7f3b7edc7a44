import { useLayoutEffect, useRef } from 'react';
import { useLocation } from 'react-router';
import { focusPageHeading } from '@/components/page-heading';

/**
 * Moves the focus to the new page's heading after each navigation to another path (not on the
 * first load, nor when only the query string changes, e.g. the task filters), in the commit that
 * shows the page (see focusPageHeading).
 */
export function RouteFocus() {
  const { pathname } = useLocation();
  const previous = useRef(pathname);
  useLayoutEffect(() => {
    if (previous.current === pathname) return;
    previous.current = pathname;
    focusPageHeading();
  }, [pathname]);
  return null;
}
