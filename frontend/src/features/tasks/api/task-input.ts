import { z } from '@/lib/zod';
import type { components } from '@/types/api';
import type { Expect, FitsRequest } from '@/types/assert-type';
import { TASK_PRIORITIES, TASK_STATUSES } from '@/types/task';

/** The create/edit form's values, checked as the API checks them (it still has the last word). */
export const TaskInputSchema = z.object({
  title: z.string().trim().min(1, 'Give the task a title.').max(200, 'At most 200 characters.'),
  description: z.string().max(10_000, 'At most 10,000 characters.'),
  status: z.enum(TASK_STATUSES),
  priority: z.enum(TASK_PRIORITIES),
  due_date: z
    .string()
    .regex(/^(\d{4}-\d{2}-\d{2})?$/, 'Use a date like 2026-12-31.')
    .transform((value) => value || null),
});
export type TaskInput = z.infer<typeof TaskInputSchema>;

// Compile-time only (no runtime code): tsc fails here when the form's values stop fitting the bodies
// of POST /tasks/ (every field) and PATCH /tasks/{id}/ (the changed ones, see changedFields).
export type MatchesApi = [
  Expect<FitsRequest<TaskInput, components['schemas']['TaskInputRequest']>>,
  Expect<FitsRequest<Partial<TaskInput>, components['schemas']['PatchedTaskInputRequest']>>,
];

/**
 * Only the fields the user changed, so an edit never overwrites what someone else changed in a
 * field this form merely showed. Compares parsed values (`''` and `null` due dates are equal).
 */
export function changedFields(before: TaskInput, after: TaskInput): Partial<TaskInput> {
  const patch: Partial<Record<keyof TaskInput, unknown>> = {};
  for (const key of Object.keys(after) as (keyof TaskInput)[]) {
    if (after[key] !== before[key]) patch[key] = after[key];
  }
  return patch as Partial<TaskInput>;
}
