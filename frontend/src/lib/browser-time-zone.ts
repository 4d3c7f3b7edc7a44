/**
 * The browser's time zone, for the reads whose "today" is the user's: the task list (what is overdue) and the task
 * stats (overdue, completions per day) send it as `?tz=`; without it the server counts days in UTC. Not on the boot
 * path: only the pages that read tasks import it.
 */
import { ApiError } from '@/lib/api-error';

/** The browser's IANA time zone name (e.g. `Europe/Paris`), or undefined when it does not say. */
export function browserTimeZone(): string | undefined {
  try {
    const zone: unknown = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return typeof zone === 'string' && zone ? zone : undefined;
  } catch {
    return undefined;
  }
}

/** Zones the server said it does not know (its time zone database may be older than the browser's). */
const unknownZones = new Set<string>();

/**
 * `request` with `?tz=zone`. A zone the server does not know (a 400 `{"tz": [...]}`) is not sent again: the request
 * goes once more without it (UTC's calendar, as before the parameter existed) rather than failing the page.
 */
export async function inZone<T>(zone: string | undefined, request: (tz: string | undefined) => Promise<T>): Promise<T> {
  const tz = zone && !unknownZones.has(zone) ? zone : undefined;
  try {
    return await request(tz);
  } catch (error) {
    if (tz === undefined || !(error instanceof ApiError) || error.status !== 400 || !error.fieldErrors.tz) throw error;
    unknownZones.add(tz);
    return request(undefined);
  }
}

/** Test hook: forget the zones a previous test's server refused. */
export function resetTimeZonesForTests(): void {
  unknownZones.clear();
}
