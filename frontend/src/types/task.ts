/**
 * The task vocabulary, shared by the tasks and dashboard features: status and priority values with
 * their labels. The values are the OpenAPI schema's (`@/types/api`); the labels are the SPA's words.
 */
import type { components } from '@/types/api';

export type TaskStatus = components['schemas']['TaskStatusEnum'];
export type TaskPriority = components['schemas']['TaskPriorityEnum'];

// Typed as a Record of the API's values, so tsc demands a label for every value and refuses others.
// Key order is the order menus and charts list them in.
export const STATUS_LABELS: Readonly<Record<TaskStatus, string>> = { todo: 'To do', in_progress: 'In progress', done: 'Done' };
export const PRIORITY_LABELS: Readonly<Record<TaskPriority, string>> = { low: 'Low', medium: 'Medium', high: 'High' };

// The types have no runtime values: the lists come from the labels' keys (checked complete above).
export const TASK_STATUSES = Object.keys(STATUS_LABELS) as readonly TaskStatus[];
export const TASK_PRIORITIES = Object.keys(PRIORITY_LABELS) as readonly TaskPriority[];
