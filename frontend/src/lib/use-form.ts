import { type ChangeEvent, type FormEvent, useLayoutEffect, useState } from 'react';
import type { z } from '@/lib/zod';
import type { FieldErrors } from '@/lib/api-error';
import { fieldErrorsOf, formErrors, validate } from '@/lib/forms';
import { OFFLINE_MESSAGE } from '@/lib/api-error';
import { isOffline } from '@/lib/online';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** The first field marked invalid, in the order of the form; nothing when every field is valid. */
function focusFirstInvalid(form: HTMLFormElement | null): void {
  form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}

/**
 * Controlled string fields, zod validation before sending, and the API's field errors after:
 * `errors(name)` shows the client's message first, else the server's `{"name": [...]}`. After a
 * failed attempt, whichever side found it, focus goes to the first invalid field, so a keyboard
 * or screen-reader user lands on what to fix.
 */
export function useForm<T extends Record<string, string>, Out>(
  schema: z.ZodType<Out>,
  initial: T,
  submit: (data: Out, helpers: { reset: () => void }) => void,
  serverError: unknown,
) {
  const [values, setValues] = useState<T>(initial);
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const [refused, setRefused] = useState(0);
  // Submitted while offline: nothing was sent (and nothing will be, later).
  const [offlineAttempt, setOfflineAttempt] = useState(false);
  // The <form> last submitted, for the focus moves (taken from the submit event: no ref to pass).
  const [formNode, setFormNode] = useState<HTMLFormElement | null>(null);
  const server = fieldErrorsOf(serverError);

  // In the commit that shows the errors, as every focus move here (components/page-heading.tsx): a field the user
  // clicked into once they were painted keeps the focus, and the keys typed into it.
  useLayoutEffect(() => {
    if (refused) focusFirstInvalid(formNode);
  }, [refused, formNode]);
  useLayoutEffect(() => {
    if (serverError) focusFirstInvalid(formNode);
  }, [serverError, formNode]);

  function bind(name: keyof T & string) {
    return {
      name,
      value: values[name],
      onChange: (event: ChangeEvent<Control>) => setValues((current) => ({ ...current, [name]: event.target.value })),
    };
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (event.currentTarget instanceof HTMLFormElement) setFormNode(event.currentTarget);
    const result = validate(schema, values);
    setClientErrors(result.errors ?? {});
    setOfflineAttempt(false);
    if (result.data === null) setRefused((count) => count + 1);
    else if (isOffline()) setOfflineAttempt(true);
    else submit(result.data, { reset: () => setValues(initial) });
  }

  return {
    values,
    setValues,
    bind,
    onSubmit,
    errors: (name: keyof T & string): string[] | undefined => clientErrors[name] ?? server[name],
    formErrors: offlineAttempt ? [OFFLINE_MESSAGE] : formErrors(serverError, Object.keys(initial)),
  };
}
