import { useOffline } from '@/lib/online';

/**
 * "You are offline", for as long as it is true. The live region is always in the page, so the
 * change is announced; nothing tried meanwhile is queued to be sent later.
 */
export function OfflineBanner() {
  const offline = useOffline();
  return (
    <div className="live" role="status">
      {offline ? (
        <p className="offline-banner">
          You are offline. Nothing can be saved until the connection is back, and nothing you try meanwhile will be sent
          later.
        </p>
      ) : null}
    </div>
  );
}
