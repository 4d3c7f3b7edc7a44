import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

export function deleteTask(id: string): Promise<undefined> {
  return apiRequest(`/tasks/${encodeURIComponent(id)}/`, { method: 'DELETE' });
}

export function useDeleteTask() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: deleteTask,
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.tasks }),
  });
}
