/**
 * Passkey ceremonies in the browser, through @simplewebauthn/browser, loaded only when a ceremony starts
 * (a dynamic import: it stays out of the boot JavaScript and out of the pages' chunks). The server's
 * `options` (py_webauthn's JSON form) go in as they came; what comes out is sent back as `passkey`.
 */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import type { WebAuthnAccount } from '@/lib/mfa-status';
import { z } from '@/lib/zod';

/** The server's WebAuthn options: an object passed through to the browser untouched (it checks them). */
export const WebAuthnOptionsSchema = z.record(z.string(), z.unknown());
export type WebAuthnOptions = z.infer<typeof WebAuthnOptionsSchema>;

/** What the browser answered (RegistrationResponseJSON or AuthenticationResponseJSON), sent back as `passkey`. */
export type WebAuthnResponse = { [key: string]: unknown };

/** Whether this browser can use passkeys at all (no WebAuthn: the passkey buttons are not offered). */
export function passkeysSupported(): boolean {
  return typeof window !== 'undefined' && typeof window.PublicKeyCredential !== 'undefined';
}

/** Asks the browser for an assertion with one of the user's passkeys (sign-in, second step, re-authentication). */
export async function assertPasskey(options: WebAuthnOptions): Promise<WebAuthnResponse> {
  const { startAuthentication } = await import('@simplewebauthn/browser');
  const response = await startAuthentication({ optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON });
  return { ...response };
}

/** Asks the browser to create a passkey for this account. */
export async function createPasskey(options: WebAuthnOptions): Promise<WebAuthnResponse> {
  const { startRegistration } = await import('@simplewebauthn/browser');
  const response = await startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON });
  return { ...response };
}

/** The browser's prompt was closed, refused or timed out: not a failure to report loudly, the user may retry. */
export function isPasskeyCancelled(error: unknown): boolean {
  return error instanceof Error && (error.name === 'NotAllowedError' || error.name === 'AbortError');
}

/**
 * What to tell the user when a ceremony failed in the browser (the server's refusals are ApiErrors, with
 * their own detail): cancelled, already registered, or anything else the browser said.
 */
export function passkeyFailureMessage(error: unknown): string | null {
  if (!(error instanceof Error) || error.name === 'ApiError' || error.name === 'NetworkError' || error.name === 'ResponseShapeError') return null;
  if (isPasskeyCancelled(error)) return 'The passkey prompt was closed or timed out. Try again, or choose another way.';
  if (error.name === 'InvalidStateError') return 'This device already has a passkey for your account.';
  return `The browser could not use a passkey: ${error.message}`;
}

/**
 * WebAuthn's signals (https://w3c.github.io/webauthn/#sctn-signal-methods): the browser or password manager hides or
 * deletes the passkeys the server no longer has, and shows the account's current name. Best effort: a browser
 * without them (or one that refuses) changes nothing, and nothing here may fail the page.
 */
interface SignalingPublicKeyCredential {
  signalUnknownCredential?: (options: { rpId: string; credentialId: string }) => Promise<void>;
  signalAllAcceptedCredentials?: (options: { rpId: string; userId: string; allAcceptedCredentialIds: string[] }) => Promise<void>;
  signalCurrentUserDetails?: (options: { rpId: string; userId: string; name: string; displayName: string }) => Promise<void>;
}

function signals(): SignalingPublicKeyCredential | undefined {
  return passkeysSupported() ? (window.PublicKeyCredential as unknown as SignalingPublicKeyCredential) : undefined;
}

async function send(signal: () => Promise<void> | undefined): Promise<void> {
  try {
    await signal();
  } catch {
    // Refused (no such passkey on this device, a wrong RP id): there is nothing for the user to do.
  }
}

/** The server answered `passkey_unknown`: that credential is gone for good, so the device should stop offering it. */
export function signalUnknownPasskey(rpId: string, credentialId: string): Promise<void> {
  return send(() => signals()?.signalUnknownCredential?.({ rpId, credentialId }));
}

/**
 * The account's passkeys as the server has them: the device hides the others of this account (deleted here, on
 * another device, or never saved because the server refused them), and shows the account's current name.
 */
export async function signalAccountPasskeys(account: Omit<WebAuthnAccount, 'registration_pending'>, credentialIds: string[]): Promise<void> {
  const { rp_id: rpId, user_handle: userId } = account;
  await send(() => signals()?.signalAllAcceptedCredentials?.({ rpId, userId, allAcceptedCredentialIds: credentialIds }));
  await send(() => signals()?.signalCurrentUserDetails?.({ rpId, userId, name: account.user_name, displayName: account.user_display_name }));
}
