import { apiRequest } from '@/lib/api-client';

/** DELETE /tasks/{id}/: 204. The list's deletes go through delete-with-undo.ts, which sends it when the Undo toast goes. */
export function deleteTask(id: string): Promise<undefined> {
  return apiRequest(`/tasks/${encodeURIComponent(id)}/`, { method: 'DELETE' });
}
