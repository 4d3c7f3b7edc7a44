/**
 * The "Confirm it's you" prompt behind the API client's re-authentication (lib/api-client.ts): a request
 * refused with 403 `reauthentication_required` waits here until the user re-authenticated (it is then sent
 * again) or cancelled (the 403 stands). The signed-in layout shows the prompt; while none is mounted (e.g. a
 * component tested alone), nothing is asked and the 403 is the answer. Features get this without importing
 * each other: every request through the API client has it.
 */
import { useEffect, useSyncExternalStore } from 'react';
import { setReauthenticationHandler } from '@/lib/api-client';
import type { ApiError } from '@/lib/api-error';

export interface ReauthenticationPrompt {
  /** The server's refusal: its detail says why (e.g. an account with a second factor needs it, not the password). */
  refusal: ApiError;
  /** The user re-authenticated: the waiting requests are sent again. */
  confirmed: () => void;
  /** The user gave up: the waiting requests fail with their 403. */
  cancelled: () => void;
}

let prompt: ReauthenticationPrompt | null = null;
const listeners = new Set<() => void>();

function setPrompt(next: ReauthenticationPrompt | null): void {
  prompt = next;
  listeners.forEach((listener) => listener());
}

/** One prompt at a time: requests refused meanwhile wait for the same answer. */
let waiting: Promise<void> | null = null;

function requestReauthentication(refusal: ApiError): Promise<void> {
  waiting ??= new Promise<void>((resolve, reject) => {
    const settle = (ok: boolean) => {
      waiting = null;
      setPrompt(null);
      if (ok) resolve();
      else reject(refusal);
    };
    setPrompt({ refusal, confirmed: () => settle(true), cancelled: () => settle(false) });
  });
  return waiting;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * For the component that shows the prompt: registers it as the API client's handler while mounted, and
 * gives the prompt to show (null while nobody waits). Unmounted with a prompt open, the prompt is cancelled.
 */
export function useReauthenticationPrompt(): ReauthenticationPrompt | null {
  useEffect(() => {
    const unregister = setReauthenticationHandler(requestReauthentication);
    return () => {
      unregister();
      prompt?.cancelled();
    };
  }, []);
  return useSyncExternalStore(subscribe, () => prompt, () => prompt);
}
