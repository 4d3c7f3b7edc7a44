/**
 * The forms that take an authenticator code or a recovery code as a second factor: sign-in's second step
 * (features/auth/components/mfa-challenge-step.tsx) and "Confirm it's you" (components/reauthenticate-dialog.tsx);
 * their fields, for a form that has more to it (turning the app off: features/security/components/disable-totp-dialog.tsx).
 * One place, so they all say the same thing: the same label, hint, checks and refusal under the field.
 */
import { type ComponentProps, type FormEvent, type ReactNode, useMemo } from 'react';
import { FormAlert, SubmitButton } from '@/components/feedback';
import { TextField } from '@/components/field';
import { CODE_INPUT_PROPS, onField, RecoveryCodeInputSchema, TotpCodeInputSchema, WRONG_RECOVERY_CODE, wrongAppCode } from '@/lib/second-factor';
import { useForm } from '@/lib/use-form';

/** The button that switches from the app's code to a recovery code, which a wrong app code points to. */
export const RECOVERY_LABEL = 'Use a recovery code';

/** What the form gives a code field: its name, value, change handler, errors and focus. */
type CodeFieldProps = Omit<ComponentProps<typeof TextField>, 'label' | 'hint'>;

/** The authenticator app's 6-digit code. */
export function TotpCodeField(props: CodeFieldProps) {
  return <TextField label="Authenticator code" hint="The 6-digit code your authenticator app shows now." required {...CODE_INPUT_PROPS} {...props} />;
}

/** A recovery code. Not a one-time-code field: the browser has nothing to fill in, and must not change the letters typed. */
export function RecoveryCodeField(props: CodeFieldProps) {
  return (
    <TextField
      label="Recovery code"
      hint="One of the codes you saved when you turned on two-step verification, written like xxxx-xxxx-xxxx-xxxx. Each works once."
      autoComplete="off"
      autoCapitalize="off"
      spellCheck={false}
      required
      {...props}
    />
  );
}

export interface SecondFactorFormProps {
  pending: boolean;
  error: unknown;
  onSubmit: (value: string) => void;
  /** The submit button's words, and its words while the request runs (e.g. "Verify", "Verifying…"). */
  submit: { label: string; pending: string };
  /** What a wrong code (`mfa_code_invalid`) says under the field; by default the message for that kind of code. */
  wrongCode?: string;
  /** Focus the field when the form mounts (in that commit, as every focus move here). */
  autoFocus?: boolean;
  /** The button as wide as the form (a card's single column); else as wide as its label (a dialog). */
  block?: boolean;
}

export function TotpCodeForm({ error, wrongCode = wrongAppCode(), onSubmit, autoFocus = false, ...frame }: SecondFactorFormProps) {
  // Memoized: a new error object on each render would pull the focus back to the field each time.
  const shown = useMemo(() => onField(error, 'mfa_code_invalid', 'code', wrongCode), [error, wrongCode]);
  const form = useForm(TotpCodeInputSchema, { code: '' }, ({ code }) => onSubmit(code), shown);
  return (
    <CodeFormFrame formErrors={form.formErrors} onSubmit={form.onSubmit} {...frame}>
      <TotpCodeField autoFocus={autoFocus} {...form.bind('code')} errors={form.errors('code')} />
    </CodeFormFrame>
  );
}

export function RecoveryCodeForm({ error, wrongCode = WRONG_RECOVERY_CODE, onSubmit, autoFocus = false, ...frame }: SecondFactorFormProps) {
  const shown = useMemo(() => onField(error, 'mfa_code_invalid', 'recovery_code', wrongCode), [error, wrongCode]);
  const form = useForm(RecoveryCodeInputSchema, { recovery_code: '' }, ({ recovery_code }) => onSubmit(recovery_code), shown);
  return (
    <CodeFormFrame formErrors={form.formErrors} onSubmit={form.onSubmit} {...frame}>
      <RecoveryCodeField autoFocus={autoFocus} {...form.bind('recovery_code')} errors={form.errors('recovery_code')} />
    </CodeFormFrame>
  );
}

type FrameProps = Pick<SecondFactorFormProps, 'pending' | 'submit' | 'block'> & {
  formErrors: string[];
  onSubmit: (event: FormEvent) => void;
  children: ReactNode;
};

function CodeFormFrame({ pending, submit, block = false, formErrors, onSubmit, children }: FrameProps) {
  const button = (
    <SubmitButton pending={pending} pendingLabel={submit.pending} block={block}>
      {submit.label}
    </SubmitButton>
  );
  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      <FormAlert messages={formErrors} />
      {children}
      {/* In a column that stretches its children, the wrapper keeps a label-wide button its own width. */}
      {block ? button : <div>{button}</div>}
    </form>
  );
}
