/**
 * How a session was signed in, in plain words: its `amr` (the methods, RFC 8176 style: pwd, email_code, otp,
 * recovery_code, passkey, oidc: an OpenID Connect provider's account). The security page and the sessions list
 * both say it.
 */
const METHOD_NAMES: Record<string, string> = {
  pwd: 'Password',
  email_code: 'emailed code',
  otp: 'authenticator app',
  recovery_code: 'recovery code',
  passkey: 'passkey',
  oidc: 'single sign-on',
};

/** ["pwd", "otp"] → "Password + authenticator app"; ["email_code"] → "Emailed code"; ["oidc"] → "Single sign-on". */
export function describeMethods(amr: readonly string[]): string {
  if (amr.length === 0) return 'Unknown';
  const words = amr.map((method) => METHOD_NAMES[method] ?? method);
  const text = words.join(' + ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
