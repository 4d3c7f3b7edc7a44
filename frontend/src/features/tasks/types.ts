import { z } from '@/lib/zod';
import type { components, operations } from '@/types/api';
import type { Equals, Expect } from '@/types/assert-type';
import { paginatedSchema } from '@/types/pagination';
import { TASK_PRIORITIES, TASK_STATUSES, type TaskPriority, type TaskStatus } from '@/types/task';

export const TaskSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  status: z.enum(TASK_STATUSES),
  priority: z.enum(TASK_PRIORITIES),
  due_date: z.string().nullable(),
  completed_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Task = z.infer<typeof TaskSchema>;

export const TaskPageSchema = paginatedSchema(TaskSchema);
export type TaskPage = z.infer<typeof TaskPageSchema>;

// Compile-time only (no runtime code): tsc fails here when these schemas and the OpenAPI schema drift apart.
export type MatchesApi = [
  Expect<Equals<Task, components['schemas']['TaskOutput']>>,
  Expect<Equals<TaskPage, components['schemas']['PaginatedTaskList']>>,
];

/** The sort orders the API accepts (`?ordering=`); the list offers the ones labelled below. */
type ApiOrdering = NonNullable<NonNullable<operations['tasks_list']['parameters']['query']>['ordering']>;

export const ORDERINGS = {
  '-created_at': 'Newest first',
  created_at: 'Oldest first',
  due_date: 'Due date, soonest',
  '-due_date': 'Due date, latest',
  '-priority': 'Priority, high first',
  priority: 'Priority, low first',
  title: 'Title, A–Z',
  '-updated_at': 'Recently updated',
} as const satisfies Partial<Record<ApiOrdering, string>>;
export type Ordering = keyof typeof ORDERINGS;
export const DEFAULT_ORDERING: Ordering = '-created_at';

/** Everything the list shows, as kept in the URL query string. */
export interface TaskListParams {
  search: string;
  status: TaskStatus | '';
  priority: TaskPriority | '';
  overdue: boolean;
  ordering: Ordering;
  page: number;
}

export function isOverdue(task: Pick<Task, 'due_date' | 'status'>, today: string): boolean {
  return task.status !== 'done' && task.due_date !== null && task.due_date < today;
}
