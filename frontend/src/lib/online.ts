/**
 * Whether the browser says it is online (navigator.onLine and its online/offline events). "Offline"
 * is certain (no network at all); "online" only means a request may get through.
 */
import { useSyncExternalStore } from 'react';

export function isOffline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false;
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('online', listener);
  window.addEventListener('offline', listener);
  return () => {
    window.removeEventListener('online', listener);
    window.removeEventListener('offline', listener);
  };
}

export function useOffline(): boolean {
  return useSyncExternalStore(subscribe, isOffline, () => false);
}
