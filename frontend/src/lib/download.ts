/**
 * Files the API sends as attachments (e.g. the account's data export), downloaded through the API
 * client, which carries the access token a plain link could not, then saved with an object URL and
 * a temporary `<a download>`. Not on the boot path: only the pages that download import it.
 */
import { apiResponse, type RequestOptions } from '@/lib/api-client';

export interface DownloadedFile {
  blob: Blob;
  /** The name the server gave it (Content-Disposition), else the fallback name. */
  filename: string;
}

export async function apiDownload(path: string, fallbackName: string, options: Omit<RequestOptions<never>, 'schema'> = {}): Promise<DownloadedFile> {
  const response = await apiResponse(path, { ...options, accept: '*/*' });
  return { blob: await response.blob(), filename: attachmentName(response.headers.get('Content-Disposition')) ?? fallbackName };
}

/** The file name of a Content-Disposition header (RFC 6266: `filename*=UTF-8''…` first, then `filename=`). */
export function attachmentName(header: string | null): string | null {
  if (!header) return null;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (extended?.[1]) {
    try {
      return safeFileName(decodeURIComponent(extended[1].trim()));
    } catch {
      // A malformed escape: fall back to the plain name.
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/.exec(header);
  const name = plain?.[1]?.replace(/\\(.)/g, '$1') ?? plain?.[2]?.trim();
  return name ? safeFileName(name) : null;
}

/** No directory part (the browser strips it anyway), and a name that is only dots is no name. */
function safeFileName(name: string): string | null {
  const base = name.split(/[\\/]/).pop()?.trim() ?? '';
  return base && base !== '.' && base !== '..' ? base : null;
}

/** Hands the file to the browser's downloads, under `filename`. */
export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    // The browser has taken the file once the click is handled; revoke on the next task to be safe.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}
