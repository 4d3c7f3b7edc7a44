import { http, HttpResponse } from 'msw';
import { page } from '@/testing/fixtures';
import { API, server } from '@/testing/server';
import type { Task } from '@/features/tasks/types';

/** A list endpoint that records each query string it is asked for, and each task's own GET (ETag "v1"). */
export function serveTasks(tasks: Task[]) {
  const queries: string[] = [];
  server.use(
    http.get(`${API}/tasks/`, ({ request }) => {
      queries.push(new URL(request.url).search);
      return HttpResponse.json(page(tasks));
    }),
    http.get(`${API}/tasks/:id/`, ({ params }) => {
      const task = tasks.find((candidate) => candidate.id === params.id);
      return task ? HttpResponse.json(task, { headers: { ETag: '"v1"' } }) : HttpResponse.json({ detail: 'Not found.' }, { status: 404 });
    }),
  );
  return queries;
}
