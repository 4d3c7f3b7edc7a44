import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { SEARCH_DEBOUNCE_MS } from '@/config/env';
import { useDebouncedValue } from '@/lib/use-debounced-value';
import { DEFAULT_ORDERING, ORDERINGS, type Ordering, type TaskListParams } from '@/features/tasks/types';
import { TASK_PRIORITIES, TASK_STATUSES, type TaskPriority, type TaskStatus } from '@/types/task';

function pick<T extends string>(value: string | null, allowed: readonly T[]): T | '' {
  return allowed.includes(value as T) ? (value as T) : '';
}

/** Far past any real list; keeps a hand-edited `?page=` a small, safe integer. */
export const MAX_PAGE = 10_000;

function parsePage(value: string | null): number {
  const page = value && /^\d{1,16}$/.test(value) ? Number(value) : 1;
  return Number.isSafeInteger(page) ? Math.min(Math.max(page, 1), MAX_PAGE) : 1;
}

/** The list's state from the URL; unknown values fall back to defaults rather than erroring. */
export function parseTaskParams(params: URLSearchParams): TaskListParams {
  const ordering = params.get('ordering');
  return {
    search: (params.get('search') ?? '').slice(0, 100),
    status: pick<TaskStatus>(params.get('status'), TASK_STATUSES),
    priority: pick<TaskPriority>(params.get('priority'), TASK_PRIORITIES),
    overdue: params.get('overdue') === 'true',
    // Own keys only: `in` would accept 'toString' or '__proto__'.
    ordering: ordering && Object.hasOwn(ORDERINGS, ordering) ? (ordering as Ordering) : DEFAULT_ORDERING,
    page: parsePage(params.get('page')),
  };
}

function toSearchParams(state: TaskListParams): URLSearchParams {
  const params = new URLSearchParams();
  if (state.search) params.set('search', state.search);
  if (state.status) params.set('status', state.status);
  if (state.priority) params.set('priority', state.priority);
  if (state.overdue) params.set('overdue', 'true');
  if (state.ordering !== DEFAULT_ORDERING) params.set('ordering', state.ordering);
  if (state.page > 1) params.set('page', String(state.page));
  return params;
}

/**
 * Search, filters, sort and page live in the URL query string, so reload and shared links keep
 * them. The search box writes to the URL 300 ms after the last keystroke; any filter change
 * goes back to page 1.
 */
export function useTaskFilters() {
  const [searchParams, setSearchParams] = useSearchParams();
  const params = useMemo(() => parseTaskParams(searchParams), [searchParams]);
  const [searchInput, setSearchInput] = useState(params.search);
  const debouncedSearch = useDebouncedValue(searchInput, SEARCH_DEBOUNCE_MS);

  const update = useCallback(
    (changes: Partial<TaskListParams>, options: { replace?: boolean } = {}) => {
      setSearchParams(
        (current) => {
          const state = { ...parseTaskParams(current), ...changes };
          if (!Object.hasOwn(changes, 'page')) state.page = 1;
          return toSearchParams(state);
        },
        { replace: options.replace ?? false },
      );
    },
    [setSearchParams],
  );

  useEffect(() => {
    if (debouncedSearch.trim() !== params.search.trim()) update({ search: debouncedSearch }, { replace: true });
    // Only the debounced value drives this; params.search changing (back button) must not loop.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debouncedSearch, update]);

  // The URL changed by itself (back/forward, a link): the search box follows it. Our own debounced
  // writes already match. (State adjusted while rendering, as React recommends over an effect.)
  const [urlSearch, setUrlSearch] = useState(params.search);
  if (params.search !== urlSearch) {
    setUrlSearch(params.search);
    if (params.search !== debouncedSearch) setSearchInput(params.search);
  }

  const hasFilters = Boolean(params.search || params.status || params.priority || params.overdue);
  const clear = useCallback(() => {
    setSearchInput('');
    setSearchParams(new URLSearchParams(), { replace: false });
  }, [setSearchParams]);

  return { params, update, searchInput, setSearchInput, hasFilters, clear };
}
