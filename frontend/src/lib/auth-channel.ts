/**
 * Tells the other tabs of this origin that the user signed in or out, or that a session ended
 * without a sign-out (expired, revoked, every session revoked by a password reset). Messages carry
 * no token: a tab that hears "signed-in" by another account, or "session-ended", asks the server
 * through the shared refresh cookie who is signed in now.
 */
export type AuthMessage =
  /** `userId` says which account the shared cookie now belongs to. */
  | { type: 'signed-in'; userId: string }
  | { type: 'signed-out' }
  | { type: 'session-ended' };

function isAuthMessage(data: unknown): data is AuthMessage {
  if (!data || typeof data !== 'object') return false;
  const message = data as Record<string, unknown>;
  if (message.type === 'signed-in') return typeof message.userId === 'string';
  return message.type === 'signed-out' || message.type === 'session-ended';
}

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
  // Anything else on the channel (an older build in another tab, a stray message) is ignored.
  const handler = (event: MessageEvent<unknown>) => {
    if (isAuthMessage(event.data)) listener(event.data);
  };
  target.addEventListener('message', handler);
  return () => target.removeEventListener('message', handler);
}
