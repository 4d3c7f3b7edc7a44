import { type InputHTMLAttributes, type ReactNode, type Ref, type SelectHTMLAttributes, type TextareaHTMLAttributes, useId } from 'react';

interface FieldFrameProps {
  label: string;
  errors?: string[] | undefined;
  hint?: ReactNode;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
}

/** A label, the control, a hint and the field's errors, wired with aria-describedby. */
function FieldFrame({ label, errors, hint, children }: FieldFrameProps) {
  const id = useId();
  const invalid = Boolean(errors?.length);
  // The error first: what to fix is read before the reminder of what the field takes.
  const describedBy = [invalid ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${invalid ? ' field--invalid' : ''}`}>
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {children({ id, describedBy, invalid })}
      {hint ? (
        <p className="field__hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {invalid ? (
        <ul className="field__errors" id={`${id}-error`}>
          {errors?.map((message) => <li key={message}>{message}</li>)}
        </ul>
      ) : null}
    </div>
  );
}

type Common = { label: string; errors?: string[] | undefined; hint?: ReactNode };

/** `ref` reaches the <input> (React 19 passes it as a prop), for a page that moves the focus to it. */
export function TextField({ label, errors, hint, ref, ...input }: Common & InputHTMLAttributes<HTMLInputElement> & { ref?: Ref<HTMLInputElement> }) {
  return (
    <FieldFrame label={label} errors={errors} hint={hint}>
      {({ id, describedBy, invalid }) => (
        <input ref={ref} className="input" id={id} aria-describedby={describedBy} aria-invalid={invalid || undefined} {...input} />
      )}
    </FieldFrame>
  );
}

export function TextAreaField({ label, errors, hint, ...input }: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <FieldFrame label={label} errors={errors} hint={hint}>
      {({ id, describedBy, invalid }) => (
        <textarea className="input" id={id} aria-describedby={describedBy} aria-invalid={invalid || undefined} {...input} />
      )}
    </FieldFrame>
  );
}

export function SelectField({ label, errors, hint, children, ...select }: Common & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <FieldFrame label={label} errors={errors} hint={hint}>
      {({ id, describedBy, invalid }) => (
        <select className="input" id={id} aria-describedby={describedBy} aria-invalid={invalid || undefined} {...select}>
          {children}
        </select>
      )}
    </FieldFrame>
  );
}
