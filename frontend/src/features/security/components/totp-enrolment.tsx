import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { FormAlert, SuccessAlert, SubmitButton } from '@/components/feedback';
import { TextField } from '@/components/field';
import { CODE_INPUT_PROPS, onField, TotpCodeInputSchema, WRONG_SET_UP_CODE } from '@/lib/second-factor';
import { useForm } from '@/lib/use-form';
import { useConfirmTotp } from '@/features/security/api/confirm-totp';
import type { TotpEnrolment as Enrolment } from '@/features/security/api/enable-totp';

/** "ABCD EFGH …": easier to copy by eye into an app than one long run of letters. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

interface TotpEnrolmentProps {
  enrolment: Enrolment;
  onConfirmed: (recoveryCodes: string[]) => void;
  onCancel: () => void;
}

/**
 * Setting up the app: scan the QR code (or type the key), then prove it with a code. The QR code is our
 * server's SVG shown as an image (a data: URL), never inserted as markup. On a phone, whose own screen
 * cannot be scanned, the otpauth: link hands the account to the app, and the key can be copied.
 */
export function TotpEnrolment({ enrolment, onConfirmed, onCancel }: TotpEnrolmentProps) {
  const confirm = useConfirmTotp();
  const shown = useMemo(() => onField(confirm.error, 'mfa_code_invalid', 'code', WRONG_SET_UP_CODE), [confirm.error]);
  const form = useForm(TotpCodeInputSchema, { code: '' }, ({ code }) => confirm.mutate(code, { onSuccess: onConfirmed }), shown);
  const heading = useRef<HTMLHeadingElement>(null);
  // The button that started this is gone: the focus goes to the steps' heading.
  useLayoutEffect(() => heading.current?.focus(), []);
  const qr = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qr_svg)}`;
  // Only ever an otpauth: link (what the server sends), whatever the string holds.
  const appLink = enrolment.otpauth_uri.startsWith('otpauth://') ? enrolment.otpauth_uri : null;
  const [copied, setCopied] = useState<string | null>(null);

  async function copyKey() {
    try {
      await navigator.clipboard.writeText(enrolment.secret);
      setCopied('Key copied.');
    } catch {
      // No clipboard here (an insecure page, or permission refused): the key is still on screen.
      setCopied('Could not copy here: select the key and copy it.');
    }
  }

  return (
    <div className="stack">
      <h3 className="card__subtitle-heading" ref={heading} tabIndex={-1}>
        Set up your authenticator app
      </h3>
      <ol className="steps">
        <li>
          <p>Scan this QR code with your authenticator app.</p>
          <img className="qr-code" src={qr} alt="QR code for your authenticator app (the key below is the same)" width={200} height={200} />
          {appLink ? (
            <p>
              On this device? <a href={appLink}>Open in your authenticator app</a>
            </p>
          ) : null}
        </li>
        <li>
          <p>Cannot scan it? Add the account by hand with this key (time-based, 6 digits):</p>
          <p>
            <code className="secret" data-testid="totp-secret">
              {grouped(enrolment.secret)}
            </code>
          </p>
          <div className="row">
            <button type="button" className="button button--secondary button--small" onClick={() => void copyKey()}>
              Copy key
            </button>
          </div>
          <SuccessAlert>{copied}</SuccessAlert>
        </li>
        <li>
          <form className="stack" onSubmit={form.onSubmit} noValidate>
            <FormAlert messages={form.formErrors} />
            <TextField
              label="Code from the app"
              hint="Enter the 6-digit code it shows now to finish."
              required
              {...CODE_INPUT_PROPS}
              {...form.bind('code')}
              errors={form.errors('code')}
            />
            <div className="row">
              <SubmitButton pending={confirm.isPending} pendingLabel="Checking…">
                Turn on
              </SubmitButton>
              <button type="button" className="button button--ghost" onClick={onCancel}>
                Cancel
              </button>
            </div>
          </form>
        </li>
      </ol>
    </div>
  );
}
