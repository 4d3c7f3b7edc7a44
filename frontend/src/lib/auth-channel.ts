/**
 * Tells the other tabs of this origin that the user signed in or out. Messages carry no token:
 * a tab that hears "signed-in" restores its own session through the refresh cookie.
 */
export type AuthMessage = { type: 'signed-in' } | { type: 'signed-out' };

const CHANNEL_NAME = 'sad-auth';
let channel: BroadcastChannel | null = null;

function getChannel(): BroadcastChannel | null {
  if (typeof BroadcastChannel === 'undefined') return null;
  channel ??= new BroadcastChannel(CHANNEL_NAME);
  return channel;
}

export function broadcastAuth(message: AuthMessage): void {
  getChannel()?.postMessage(message);
}

export function listenAuth(listener: (message: AuthMessage) => void): () => void {
  const target = getChannel();
  if (!target) return () => undefined;
  const handler = (event: MessageEvent<AuthMessage>) => listener(event.data);
  target.addEventListener('message', handler);
  return () => target.removeEventListener('message', handler);
}
