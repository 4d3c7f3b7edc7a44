import type { ReactNode } from 'react';
import { Dialog } from '@/components/dialog';
import { BusyButton, FormAlert, StillWaiting, SubmitButton } from '@/components/feedback';
import { TextField } from '@/components/field';
import { useForm } from '@/lib/use-form';
import { useStalled } from '@/lib/use-stalled';
import { PasskeyNameSchema } from '@/features/security/api/add-passkey';

interface PasskeyNameDialogProps {
  title: string;
  description: ReactNode;
  initial: string;
  submitLabel: string;
  pending: boolean;
  /** What the submit button says while pending (default "Saving…"). */
  pendingLabel?: string;
  error: unknown;
  onSubmit: (name: string) => void;
  onCancel: () => void;
}

/** A passkey's name: given to a new one, or changed later. */
export function PasskeyNameDialog({ title, description, initial, submitLabel, pending, pendingLabel = 'Saving…', error, onSubmit, onCancel }: PasskeyNameDialogProps) {
  const form = useForm(PasskeyNameSchema, { name: initial }, ({ name }) => onSubmit(name), error);
  const stalled = useStalled(pending); // not while saving, unless it hangs
  const cancel = () => {
    if (!pending || stalled) onCancel();
  };
  return (
    <Dialog title={title} description={description} onClose={cancel}>
      <form className="stack" onSubmit={form.onSubmit} noValidate>
        <FormAlert messages={form.formErrors} />
        <TextField label="Name" hint="E.g. the device or password manager that keeps it." required autoComplete="off" {...form.bind('name')} errors={form.errors('name')} />
        <StillWaiting stalled={stalled} />
        <div className="dialog__actions">
          <BusyButton className="button button--secondary" onClick={cancel} busy={pending && !stalled}>
            Cancel
          </BusyButton>
          <SubmitButton pending={pending} pendingLabel={pendingLabel}>
            {submitLabel}
          </SubmitButton>
        </div>
      </form>
    </Dialog>
  );
}
