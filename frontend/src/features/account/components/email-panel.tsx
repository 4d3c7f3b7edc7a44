import { FormAlert, SubmitButton, SuccessAlert } from '@/components/feedback';
import { TextField } from '@/components/field';
import { ResendVerification } from '@/components/resend-verification';
import { useCurrentUser } from '@/lib/session';
import { useForm } from '@/lib/use-form';
import type { z } from '@/lib/zod';
import { type EmailChangeRequest, EmailChangeInputSchema, PasswordlessEmailChangeInputSchema, useRequestEmailChange } from '@/features/account/api/change-email';
import { useHasPassword } from '@/features/account/api/get-identities';
import { CurrentPasswordField } from '@/features/account/components/current-password-field';
import { PendingEmailChange } from '@/features/account/components/pending-email-change';

const EMPTY = { new_email: '', current_password: '' };

/** The sign-in address, whether it is verified, and the form to change it (confirmed from the new address). */
export function EmailPanel() {
  const user = useCurrentUser();
  const mutation = useRequestEmailChange();
  // An account created through a provider, with no password set: nothing to confirm the change with here.
  const hasPassword = useHasPassword();
  const schema: z.ZodType<EmailChangeRequest> = hasPassword ? EmailChangeInputSchema : PasswordlessEmailChangeInputSchema;
  const form = useForm(schema, EMPTY, (data, { reset }) => mutation.mutate(data, { onSuccess: reset }), mutation.error);
  return (
    <section className="card" aria-labelledby="email-title">
      <h2 className="card__title" id="email-title">Email address</h2>
      <div className="stack">
        <p className="email-status">
          <span className="email-status__address">{user.email}</span>
          {user.email_verified ? (
            <span className="badge badge--verified">Verified</span>
          ) : (
            <span className="badge badge--unverified">Not verified</span>
          )}
        </p>
        {user.email_verified ? null : (
          <>
            <p className="card__subtitle">Open the link we emailed to this address to verify it.</p>
            <ResendVerification email={user.email} label="Resend verification email" />
          </>
        )}
        <PendingEmailChange />
        <form className="stack" onSubmit={form.onSubmit} noValidate aria-labelledby="email-change-title">
          <h3 className="card__subtitle-heading" id="email-change-title">Change your email</h3>
          <SuccessAlert>
            {mutation.isSuccess
              ? <>If <bdi>{mutation.variables.new_email}</bdi> can be used, a link was sent to it. Your address changes once you open that link.</>
              : null}
          </SuccessAlert>
          <FormAlert messages={form.formErrors} />
          <TextField label="New email" type="email" autoComplete="email" maxLength={254} required {...form.bind('new_email')} errors={form.errors('new_email')} />
          <CurrentPasswordField form={form} hasPassword={hasPassword} />
          <div>
            <SubmitButton pending={mutation.isPending} pendingLabel="Sending…">
              Send confirmation link
            </SubmitButton>
          </div>
        </form>
      </div>
    </section>
  );
}
