import { useMemo, useState } from 'react';
import { Dialog } from '@/components/dialog';
import { BusyButton, FormAlert, StillWaiting, SubmitButton } from '@/components/feedback';
import { useStalled } from '@/lib/use-stalled';
import { RECOVERY_LABEL, RecoveryCodeField, TotpCodeField } from '@/components/second-factor-forms';
import { onField, RecoveryCodeSchema, TotpCodeSchema, WRONG_RECOVERY_CODE, wrongAppCode } from '@/lib/second-factor';
import { showToast } from '@/lib/toasts';
import { useForm } from '@/lib/use-form';
import { z } from '@/lib/zod';
import { useDisableTotp } from '@/features/security/api/disable-totp';

const CodeSchema = z.object({ proof: TotpCodeSchema });
const RecoverySchema = z.object({ proof: RecoveryCodeSchema });

/**
 * Turning the app off takes a code from it (or a recovery code, when the app is lost). Its own form (a Cancel beside
 * the submit, a switch between the two codes), with the shared code fields.
 */
export function DisableTotpDialog({ onClose }: { onClose: () => void }) {
  const mutation = useDisableTotp();
  const [withRecovery, setWithRecovery] = useState(false);
  const wrongCode = withRecovery ? WRONG_RECOVERY_CODE : wrongAppCode(RECOVERY_LABEL);
  const shown = useMemo(() => onField(mutation.error, 'mfa_code_invalid', 'proof', wrongCode), [mutation.error, wrongCode]);
  const form = useForm(
    withRecovery ? RecoverySchema : CodeSchema,
    { proof: '' },
    ({ proof }) =>
      mutation.mutate(withRecovery ? { recovery_code: proof } : { code: proof }, {
        onSuccess: () => {
          showToast({ message: 'Authenticator app turned off.' });
          onClose();
        },
      }),
    shown,
  );

  // Not while the request runs: it would complete anyway, unseen (its toast belongs to this dialog's owner).
  const stalled = useStalled(mutation.isPending); // unless it hangs: then the user may leave
  const cancel = () => {
    if (!mutation.isPending || stalled) onClose();
  };

  return (
    <Dialog
      title="Turn off the authenticator app?"
      description="Signing in will no longer ask for its code. Your passkeys, if any, still protect your account."
      onClose={cancel}
      alert
    >
      <form className="stack" onSubmit={form.onSubmit} noValidate>
        <FormAlert messages={form.formErrors} />
        {/* The fields of sign-in's second step and "Confirm it's you": the same label, hint and refusal. */}
        {withRecovery ? (
          <RecoveryCodeField key="recovery" {...form.bind('proof')} errors={form.errors('proof')} />
        ) : (
          <TotpCodeField key="code" {...form.bind('proof')} errors={form.errors('proof')} />
        )}
        <div>
          <button
            type="button"
            className="button button--ghost button--small"
            onClick={() => {
              mutation.reset();
              form.setValues({ proof: '' });
              setWithRecovery((value) => !value);
            }}
          >
            {withRecovery ? 'Use a code from the app' : RECOVERY_LABEL}
          </button>
        </div>
        <StillWaiting stalled={stalled} />
        <div className="dialog__actions">
          {/* Unavailable (aria-disabled, still focusable) while the app is being turned off. */}
          <BusyButton className="button button--secondary" busy={mutation.isPending && !stalled} onClick={cancel}>
            Cancel
          </BusyButton>
          <SubmitButton pending={mutation.isPending} pendingLabel="Turning off…">
            Turn off
          </SubmitButton>
        </div>
      </form>
    </Dialog>
  );
}
