import { useMutation } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { z } from '@/lib/zod';
import type { components } from '@/types/api';
import type { Equals, Expect } from '@/types/assert-type';

export const TotpEnrolmentSchema = z.object({
  /** Base32, for typing into an app that cannot scan. */
  secret: z.string(),
  otpauth_uri: z.string(),
  /** An SVG document made by our server from `otpauth_uri`; shown as an image, never as markup. */
  qr_svg: z.string(),
});
export type TotpEnrolment = z.infer<typeof TotpEnrolmentSchema>;

// Compile-time only (no runtime code): tsc fails here when this schema and the OpenAPI schema drift apart.
export type MatchesApi = Expect<Equals<TotpEnrolment, components['schemas']['TotpEnrolmentOutput']>>;

/**
 * POST /auth/mfa/totp/ (step-up): 201, a new pending enrolment replacing any pending one; enabled only once
 * a code from the app is confirmed. Already enabled: 409 `mfa_state_conflict`.
 */
export function enableTotp(): Promise<TotpEnrolment> {
  return apiRequest('/auth/mfa/totp/', { method: 'POST', body: {}, schema: TotpEnrolmentSchema });
}

export function useEnableTotp() {
  return useMutation({ mutationFn: enableTotp });
}
