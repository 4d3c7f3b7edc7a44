import { BusyButton, FormAlert, SuccessAlert } from '@/components/feedback';
import { ApiError, errorMessage, tryAgainAfter } from '@/lib/api-error';
import { useResendVerification } from '@/lib/resend-verification';

/** Why a resend failed, as a sentence; a rate limit says how long to wait. */
export function resendErrorMessage(error: unknown): string {
  if (error instanceof ApiError && error.status === 429) return `Too many links were asked for. ${tryAgainAfter(error)}.`;
  return `Could not send the link. ${errorMessage(error)}`;
}

interface ResendVerificationProps {
  email: string;
  label?: string;
  className?: string;
}

/**
 * "Resend the link" for an address whose verification link was lost or has expired. The server
 * answers the same whether or not the address needs one, so the message does too.
 */
export function ResendVerification({ email, label = 'Resend the link', className = 'button button--secondary' }: ResendVerificationProps) {
  const mutation = useResendVerification();
  return (
    <div className="stack stack--tight">
      <SuccessAlert>
        {mutation.isSuccess ? (
          <>
            A new link is on its way to <bdi>{mutation.variables}</bdi>. It may take a minute to arrive.
          </>
        ) : null}
      </SuccessAlert>
      <FormAlert messages={mutation.isError ? [resendErrorMessage(mutation.error)] : []} />
      <div>
        <BusyButton className={className} busy={mutation.isPending} onClick={() => mutation.mutate(email)}>
          {mutation.isPending ? 'Sending…' : label}
        </BusyButton>
      </div>
    </div>
  );
}
