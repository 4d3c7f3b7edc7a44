import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiDownload, saveFile } from '@/lib/download';
import { queryKeys } from '@/lib/query-keys';

/** GET /auth/me/export/: everything the service holds about the account, as a JSON attachment. */
export async function exportData(): Promise<string> {
  const { blob, filename } = await apiDownload('/auth/me/export/', 'my-data.json');
  saveFile(blob, filename);
  return filename;
}

export function useExportData() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: exportData,
    // The export is itself a security event.
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.activity }),
  });
}
