/** Build-time configuration (Vite inlines VITE_* when it builds; nothing is read at run time). */
const rawApiBase = import.meta.env.VITE_API_BASE_URL as string | undefined;

/** Same-origin `/api` by default: the refresh cookie is scoped to /api/auth/ on this origin. */
export const API_BASE_URL = (rawApiBase || '/api').replace(/\/+$/, '');

export const TASKS_PAGE_SIZE = 10;
export const SEARCH_DEBOUNCE_MS = 300;
