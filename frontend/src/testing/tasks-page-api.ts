import { http, HttpResponse } from 'msw';
import { page } from '@/testing/fixtures';
import { API, server } from '@/testing/server';
import type { Task } from '@/features/tasks/types';

/**
 * The query string of a request to the list, without its `tz` (the browser's time zone, whatever the machine running
 * the tests is set to; the tests of the zone itself read it from the request).
 */
export function filtersQuery(url: string): string {
  const query = new URL(url).searchParams;
  query.delete('tz');
  const search = query.toString();
  return search ? `?${search}` : '';
}

/** A list endpoint that records each query string it is asked for (but its `tz`), and each task's own GET (ETag "v1"). */
export function serveTasks(tasks: Task[]) {
  const queries: string[] = [];
  server.use(
    http.get(`${API}/tasks/`, ({ request }) => {
      queries.push(filtersQuery(request.url));
      return HttpResponse.json(page(tasks));
    }),
    http.get(`${API}/tasks/:id/`, ({ params }) => {
      const task = tasks.find((candidate) => candidate.id === params.id);
      return task ? HttpResponse.json(task, { headers: { ETag: '"v1"' } }) : HttpResponse.json({ detail: 'Not found.' }, { status: 404 });
    }),
  );
  return queries;
}
