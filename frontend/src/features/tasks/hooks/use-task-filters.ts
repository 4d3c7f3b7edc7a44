import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useLocation, useSearchParams } from 'react-router';
import { SEARCH_DEBOUNCE_MS } from '@/config/env';
import { rememberSearch } from '@/lib/remembered-search';
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

type Timer = ReturnType<typeof setTimeout>;

/** The history-entry state this hook puts on its own navigations, to tell them from Back, Forward and links. */
function ownMark(state: unknown): number | null {
  const mark = (state as { taskFilters?: unknown } | null)?.taskFilters;
  return typeof mark === 'number' ? mark : null;
}

let marks = 0;

/**
 * Search, filters, sort and page live in the URL query string, so reload and shared links keep
 * them. The search box writes to the URL 300 ms after the last keystroke; any filter change
 * goes back to page 1.
 *
 * Only typing writes the search: a URL that changes by itself (Back, Forward, a link, "Clear
 * filters") is followed by the box and drops any search still waiting for its debounce, so a
 * search typed earlier is never written over the page the user went to. Each navigation made here
 * carries a mark in its history state; a location without a mark we are waiting for is external.
 */
export function useTaskFilters() {
  const [searchParams, setSearchParams] = useSearchParams();
  const location = useLocation();
  const params = useMemo(() => parseTaskParams(searchParams), [searchParams]);
  const [searchInput, setSearchInputState] = useState(params.search);
  // Marks of our navigations not seen yet, the location last seen, and how many external changes so far.
  const [seen, setSeen] = useState({ key: location.key, waiting: [] as number[], external: 0 });
  // The filters of our newest navigation until the URL shows them: what the filter controls show meanwhile. The
  // router commits the new URL in a transition, and a <select> or checkbox bound to the URL would show its old value
  // again until then. Dropped when the URL changes by itself (Back, Forward, a link): the controls follow it.
  const [chosen, setChosen] = useState<{ target: string; external: number; params: TaskListParams } | null>(null);

  if (location.key !== seen.key) {
    const mark = ownMark(location.state);
    const index = mark === null ? -1 : seen.waiting.indexOf(mark);
    if (index >= 0) {
      setSeen({ key: location.key, waiting: seen.waiting.slice(index + 1), external: seen.external });
    } else {
      // Back, Forward or a link: the box shows the URL's search (state adjusted while rendering).
      setSeen({ key: location.key, waiting: [], external: seen.external + 1 });
      setSearchInputState(params.search);
    }
  }
  const shown = chosen && chosen.target !== searchParams.toString() && chosen.external === seen.external ? chosen.params : params;

  // Timers and callbacks read the latest render through refs: setSearchParams changes identity
  // with every URL change, and a callback holding an old one would navigate from an old URL.
  const latest = useRef({ setSearchParams, searchParams, external: seen.external });
  useLayoutEffect(() => {
    latest.current = { setSearchParams, searchParams, external: seen.external };
  });
  // The query string of our newest navigation, which the render may not show yet (the router updates
  // in a transition): the next change builds on it, not on an older URL. Forgotten when the URL
  // changes by itself.
  const own = useRef<URLSearchParams | null>(null);
  useLayoutEffect(() => {
    own.current = null;
  }, [seen.external]);
  const pending = useRef<{ timer: Timer; search: string } | null>(null);
  const cancelPending = useCallback(() => {
    if (pending.current) clearTimeout(pending.current.timer);
    pending.current = null;
  }, []);
  useEffect(() => cancelPending, [cancelPending]);
  // The main navigation's "Tasks" comes back to this list as it is now.
  useEffect(() => rememberSearch(location.pathname, location.search), [location.pathname, location.search]);

  const navigate = useCallback((next: (current: URLSearchParams) => URLSearchParams, replace: boolean) => {
    const current = own.current ?? latest.current.searchParams;
    const target = next(new URLSearchParams(current));
    if (target.toString() === current.toString()) return;
    own.current = target;
    setChosen({ target: target.toString(), external: latest.current.external, params: parseTaskParams(target) });
    marks += 1;
    const mark = marks;
    setSeen((seenNow) => ({ ...seenNow, waiting: [...seenNow.waiting, mark] }));
    latest.current.setSearchParams(target, { replace, state: { taskFilters: mark } });
  }, []);

  const update = useCallback(
    (changes: Partial<TaskListParams>, options: { replace?: boolean } = {}) => {
      // A search still being typed goes along with the change, in the same URL.
      const typed = pending.current;
      cancelPending();
      navigate((current) => {
        const before = parseTaskParams(current);
        const state = { ...before, ...(typed ? { search: typed.search } : {}), ...changes };
        if (!Object.hasOwn(changes, 'page') || state.search.trim() !== before.search.trim()) state.page = 1;
        return toSearchParams(state);
      }, options.replace ?? false);
    },
    [cancelPending, navigate],
  );

  const setSearchInput = useCallback(
    (value: string) => {
      setSearchInputState(value);
      cancelPending();
      const external = latest.current.external;
      const timer = setTimeout(() => {
        pending.current = null;
        // The URL changed by itself since this keystroke: what was typed belonged to the old page.
        if (latest.current.external !== external) return;
        navigate((current) => {
          const state = parseTaskParams(current);
          return state.search.trim() === value.trim() ? current : toSearchParams({ ...state, search: value, page: 1 });
        }, true);
      }, SEARCH_DEBOUNCE_MS);
      pending.current = { timer, search: value };
    },
    [cancelPending, navigate],
  );

  const hasFilters = Boolean(params.search || params.status || params.priority || params.overdue);
  const clear = useCallback(() => {
    cancelPending();
    setSearchInputState('');
    navigate(() => new URLSearchParams(), false);
  }, [cancelPending, navigate]);

  /** `params`: the list's, from the URL; `shown`: what the filter controls show (the URL's, or the change just made). */
  return { params, shown, update, searchInput, setSearchInput, hasFilters, clear };
}
